package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.demo.GleanerLoop;
import io.gleaner.app.demo.LoopConfig;
import io.gleaner.app.demo.LoopSummary;
import io.gleaner.ingest.sim.Truth;
import io.gleaner.ingest.sim.TruthLog;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole active-learning loop ({@link GleanerLoop}: simulator, four Streams stages, truth
 * oracle, retrain) on a real broker and database, run once; each test then checks one promise of
 * DESIGN.md by reading the broker and the database directly, not the loop's own summary.
 */
@ExtendWith(GleanerInfrastructure.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActiveLearningLoopIT {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveLearningLoopIT.class);

    private static final int ROUNDS = 3;
    private static final int FRAMES_PER_ROUND = 1000;
    private static final int MIN_NEW_LABELS = 20;
    private static final int POISON_RECORDS = 3;
    /** Harvested frames must be rare at least this many times more often than the stream's frames. */
    private static final double MIN_RARE_ENRICHMENT = 3.0;

    private String bootstrapServers;
    private DataSource dataSource;
    private Path workDir;
    private LoopSummary summary;

    @BeforeAll
    void runTheLoop(Infrastructure infrastructure, @TempDir Path workDir) throws Exception {
        this.bootstrapServers = infrastructure.kafkaBootstrapServers();
        this.dataSource = infrastructure.database().dataSource();
        this.workDir = workDir;
        LoopConfig demo = LoopConfig.defaults(workDir);
        LoopConfig config = new LoopConfig(ROUNDS, FRAMES_PER_ROUND, demo.seedFrames(), demo.seedEpochs(),
                demo.evalFramesPerScenario(), MIN_NEW_LABELS, demo.simulator(), POISON_RECORDS, workDir,
                demo.drainTimeout());
        long started = System.nanoTime();
        summary = new GleanerLoop(bootstrapServers, dataSource, config).run(round -> LOG.info("{}", round));
        LOG.info("loop finished in {} s: {} harvested, {} labeled, live model v{}",
                (System.nanoTime() - started) / 1_000_000_000, summary.harvested(), summary.labeled(),
                summary.modelVersion());
    }

    @Test
    void poisonRecordsLandInTheDeadLetterTopicWithTheirReason() {
        List<String> sent = IntStream.range(0, POISON_RECORDS)
                .mapToObj(i -> new String(GleanerLoop.poisonRecord(i), StandardCharsets.UTF_8)).toList();

        // Other ITs share the broker and may dead-letter records of their own: look at the loop's only.
        List<ConsumerRecord<byte[], byte[]>> deadLetters = await("the poison records in " + Topics.FRAMES_DLQ.name())
                .atMost(Duration.ofSeconds(60))
                .until(() -> TopicReader.readAll(bootstrapServers, Topics.FRAMES_DLQ).stream()
                                .filter(r -> Arrays.equals(r.key(), GleanerLoop.POISON_KEY.getBytes(StandardCharsets.UTF_8)))
                                .toList(),
                        records -> records.size() >= POISON_RECORDS);

        // Exactly the garbage, none twice.
        assertThat(deadLetters).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrderElementsOf(sent);
        for (ConsumerRecord<byte[], byte[]> record : deadLetters) {
            assertThat(record.key()).asString(StandardCharsets.UTF_8).isEqualTo(GleanerLoop.POISON_KEY);
            Header reason = record.headers().lastHeader(DlqHeaders.REASON);
            assertThat(reason).as("%s header on dead letter at offset %d", DlqHeaders.REASON, record.offset())
                    .isNotNull();
            assertThat(new String(reason.value(), StandardCharsets.UTF_8)).isNotBlank();
        }
    }

    @Test
    void harvestedFramesAreRareFarMoreOftenThanTheStream() {
        Map<String, Truth> truth = TruthLog.read(workDir.resolve("truth.jsonl"));
        List<String> harvested = queryStrings("SELECT frame_id FROM edge_case_tasks");

        assertThat(truth).as("frames the simulator published").hasSize(ROUNDS * FRAMES_PER_ROUND);
        assertThat(harvested).as("harvested frames").isNotEmpty().allMatch(truth::containsKey);
        double baseRate = truth.values().stream().filter(t -> t.scenario().isRare()).count() / (double) truth.size();
        double harvestedRate = harvested.stream().filter(id -> truth.get(id).scenario().isRare()).count()
                / (double) harvested.size();
        LOG.info("rare share: {} of {} harvested frames vs {} of the stream",
                harvestedRate, harvested.size(), baseRate);
        assertThat(harvestedRate).as("rare share of %d harvested frames (stream: %.4f)", harvested.size(), baseRate)
                .isGreaterThanOrEqualTo(MIN_RARE_ENRICHMENT * baseRate);
    }

    @Test
    void everyTaskIsUniqueAndLabeledExactlyOnce() {
        long tasks = queryLong("SELECT count(*) FROM edge_case_tasks");
        assertThat(tasks).isPositive();
        assertThat(queryLong("SELECT count(DISTINCT frame_id) FROM edge_case_tasks")).as("distinct frame ids")
                .isEqualTo(tasks);
        List<String> notOnce = queryStrings("""
                SELECT t.frame_id || ': ' || count(l.label_id) || ' labels'
                FROM edge_case_tasks t LEFT JOIN labels l ON l.task_id = t.task_id
                GROUP BY t.task_id, t.frame_id HAVING count(l.label_id) <> 1""");
        assertThat(notOnce).as("tasks without exactly one label").isEmpty();
        assertThat(queryStrings("SELECT frame_id FROM edge_case_tasks WHERE state <> 'labeled'"))
                .as("tasks not in state labeled").isEmpty();
    }

    @Test
    void registryHasALiveModelNewerThanTheSeed() {
        List<String> versions = queryStrings("SELECT version || ' ' || state FROM model_versions"
                + " WHERE model_name = ? ORDER BY version", ModelSpec.DEFAULT_MODEL_NAME);
        long live = queryLong("SELECT coalesce(max(version), 0) FROM model_versions"
                + " WHERE state = 'live' AND model_name = ?", ModelSpec.DEFAULT_MODEL_NAME);
        assertThat(live).as("live model version; registry: %s; retrain runs: %s", versions,
                queryStrings("SELECT outcome || ' v' || coalesce(candidate_version::text, '-') || ' ('"
                        + " || labels_used || ' labels): ' || coalesce(detail, '') FROM retrain_runs ORDER BY run_id"))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void modelUpdatesTopicAnnouncesAModelNewerThanTheSeed() {
        List<ModelUpdate> updates = TopicReader.readAll(bootstrapServers, Topics.MODEL_UPDATES).stream()
                .map(ConsumerRecord::value).toList();
        assertThat(updates).as("updates on %s", Topics.MODEL_UPDATES.name()).isNotEmpty();
        assertThat(updates).extracting(ModelUpdate::getVersion)
                .anyMatch(version -> Integer.parseInt(version) >= 2);
    }

    /**
     * Labels arriving caused retrains that promoted newer versions while the scorer stage kept
     * running: frames.scored carries the seed's version and a newer one, every frame the fleet sent
     * is scored exactly once (none lost, none scored twice across a swap), and within a partition
     * the version never goes back (the stage swaps between batches, forward only).
     */
    @Test
    void theRunningScorerSwapsToPromotedVersionsScoringEveryFrameExactlyOnce() {
        Map<String, Truth> truth = TruthLog.read(workDir.resolve("truth.jsonl"));
        List<ConsumerRecord<String, ScoredFrame>> scored = TopicReader.readAll(bootstrapServers, Topics.FRAMES_SCORED)
                .stream().filter(r -> truth.containsKey(r.value().getFrame().getFrameId())).toList();

        Map<String, Long> timesScored = scored.stream().collect(Collectors.groupingBy(
                r -> r.value().getFrame().getFrameId(), Collectors.counting()));
        assertThat(timesScored.keySet()).as("frames scored, of the %d the fleet sent", truth.size())
                .containsExactlyInAnyOrderElementsOf(truth.keySet());
        assertThat(timesScored).as("frames scored more than once").allSatisfy((frame, times) ->
                assertThat(times).as(frame).isEqualTo(1L));
        Set<Integer> versions = scored.stream().map(r -> Integer.parseInt(r.value().getModelVersion()))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(versions).as("model versions on frames.scored").contains(1).anyMatch(v -> v >= 2);
        Map<Integer, List<ConsumerRecord<String, ScoredFrame>>> byPartition = scored.stream()
                .collect(Collectors.groupingBy(ConsumerRecord::partition));
        byPartition.forEach((partition, records) -> {
            List<Integer> inOrder = records.stream().sorted(Comparator.comparingLong(ConsumerRecord::offset))
                    .map(r -> Integer.parseInt(r.value().getModelVersion())).toList();
            assertThat(inOrder).as("versions in partition %d, by offset", partition).isSorted();
        });
    }

    /** Each run says which trigger started it, and each version it registered says which labels it used. */
    @Test
    void retrainRunsRecordTheirTriggerAndVersionsTheirLabels() {
        List<String> runs = queryStrings("SELECT trigger || ' ' || outcome || ' ' || reason FROM retrain_runs"
                + " WHERE model_name = ? ORDER BY run_id", ModelSpec.DEFAULT_MODEL_NAME);
        assertThat(runs).isNotEmpty().allMatch(run -> run.matches("new_labels (promoted|rejected) \\d+ new labels >= "
                + MIN_NEW_LABELS), "started by the new-labels trigger and decided");
        List<String> mismatched = queryStrings("""
                SELECT r.candidate_version || ': run says ' || r.labels_used || ', lineage has ' || count(u.label_id)
                FROM retrain_runs r
                LEFT JOIN model_version_labels u ON u.model_name = r.model_name AND u.version = r.candidate_version
                     AND u.used_as = 'training'
                WHERE r.model_name = ? AND r.outcome IN ('promoted', 'rejected')
                GROUP BY r.run_id, r.candidate_version, r.labels_used
                HAVING count(u.label_id) <> r.labels_used OR r.labels_used = 0""", ModelSpec.DEFAULT_MODEL_NAME);
        assertThat(mismatched).as("versions whose lineage does not hold the labels their run trained on").isEmpty();
        assertThat(queryLong("SELECT count(*) FROM model_version_labels u JOIN labels l USING (label_id)"
                + " WHERE u.used_as = 'held_out'")).as("held-out labels recorded").isPositive();
        assertThat(queryStrings("SELECT v.version || '' FROM model_versions v WHERE v.model_name = ?"
                + " AND v.state IN ('live', 'retired') AND NOT EXISTS (SELECT 1 FROM model_promotions p"
                + " WHERE p.model_name = v.model_name AND p.version = v.version)", ModelSpec.DEFAULT_MODEL_NAME))
                .as("versions that went live without a promotion record").isEmpty();
    }

    private long queryLong(String sql, Object... parameters) {
        return Long.parseLong(queryStrings(sql, parameters).get(0));
    }

    /** The first column of every row {@code sql} returns, as text. */
    private List<String> queryStrings(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
