package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerConfig;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.SelectionMetrics;
import io.gleaner.uncertainty.SelectionTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 8, fault 3: "The model throws or returns NaN on 1% of frames: those frames go to the DLQ;
 * 0 NaN rows reach PostgreSQL". The real scorer, selection and queue-sink stages run under
 * exactly-once on the real broker, into PostgreSQL; the model is real but wrapped
 * ({@link FaultyModel}) so that it throws on every 200th frame and returns NaN for another every 200th.
 * Asserted: each poison frame is in {@code frames.dlq} once with the scorer's reason; every other
 * frame is in {@code frames.scored} exactly once with finite outputs, all by the one model version
 * (a poison frame does not retire the model); the queue holds exactly the harvested frames, and no
 * numeric column of any task is NaN or infinite.
 *
 * <p>Short form {@value #SHORT_FRAMES} frames, long form ({@code -Pchaos}) {@value #LONG_FRAMES}.
 * Other tests share the broker, so this run has its own application ids, model name and frame ids,
 * and each stage starts at the end of its input topic.
 */
@ExtendWith(GleanerInfrastructure.class)
class BadModelOutputFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(BadModelOutputFaultIT.class);
    private static final int SHORT_FRAMES = 600;
    private static final int LONG_FRAMES = 20_000;
    /** One frame in this many makes the model throw, and another one in this many NaN: 1% in all. */
    private static final int FAULT_PERIOD = 200;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final String REASON_MODEL_FAILED = "model-failed-on-frame";
    private static final String REASON_NON_FINITE = "non-finite-model-output";

    @Test
    void framesTheModelThrowsOnOrScoresAsNaNGoToTheDlqAndEveryOtherFrameIsScoredOnce(Infrastructure infrastructure,
            @TempDir Path dir) throws Exception {
        int frames = FaultScale.pick(SHORT_FRAMES, LONG_FRAMES);
        String bootstrap = infrastructure.kafkaBootstrapServers();
        DataSource dataSource = infrastructure.database().dataSource();
        Migrations.migrate(dataSource);
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        String run = "bad-output-" + UUID.randomUUID().toString().substring(0, 8);
        List<FrameEvent> sent = new FleetSimulator(SimulatorConfig.defaults()).next(frames).stream()
                .map(f -> f.event().toBuilder().setFrameId(run + "-" + f.event().getFrameId()).build()).toList();
        Map<String, FaultyModel.Fault> faults = IntStream.range(0, frames).boxed()
                .collect(Collectors.toMap(i -> sent.get(i).getFrameId(), BadModelOutputFaultIT::faultOf));
        List<String> throwing = idsWith(faults, FaultyModel.Fault.THROW);
        List<String> nan = idsWith(faults, FaultyModel.Fault.NAN);
        FaultyModel model = new FaultyModel(id -> faults.getOrDefault(id, FaultyModel.Fault.NONE), Duration.ZERO);

        ScorerConfig config = new ScorerConfig(run, ScorerConfig.defaults().batchSize(),
                ScorerConfig.defaults().maxBatchDelay());
        String scorerId = ScorerTopology.APPLICATION_ID + "-" + run;
        String selectionId = SelectionTopology.APPLICATION_ID + "-" + run;
        String sinkId = TaskSinkTopology.APPLICATION_ID + "-" + run;
        long started = System.nanoTime();
        try (GroupOffsets offsets = new GroupOffsets(bootstrap);
             ModelHolder holder = new ModelHolder()) {
            offsets.startAtEnd(scorerId, Topics.FRAMES_VALID.name());
            offsets.startAtEnd(selectionId, Topics.FRAMES_SCORED.name());
            offsets.startAtEnd(sinkId, Topics.EDGE_CASES.name());
            ScorerMetrics scorerMetrics = new ScorerMetrics(holder);
            SelectionMetrics selectionMetrics = new SelectionMetrics();
            Properties scorerProps = StreamsStage.properties(scorerId, bootstrap, dir, true);
            scorerProps.putAll(config.streamsOverrides());
            try (StreamsStage scorer = StreamsStage.start(scorerId, scorerProps,
                         b -> ScorerTopology.build(b, config, holder, scorerMetrics, model), START_TIMEOUT);
                 StreamsStage selection = start(selectionId, bootstrap, dir,
                         b -> SelectionTopology.build(b, SelectionConfig.defaults(), selectionMetrics));
                 StreamsStage sink = start(sinkId, bootstrap, dir,
                         b -> TaskSinkTopology.build(b, new TaskStore(dataSource)));
                 Producer<String, FrameEvent> producer = TestProducers.to(Topics.FRAMES_VALID, bootstrap);
                 Producer<String, ModelUpdate> updates = TestProducers.to(Topics.MODEL_UPDATES, bootstrap)) {
                ModelArtifact artifact = saveModel(run, dir);
                updates.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(), run, ModelUpdate.newBuilder()
                        .setModelName(run).setVersion("v1").setArtifactUri(artifact.uri().toString())
                        .setArtifactSha256(artifact.sha256()).build()));
                updates.flush();
                for (FrameEvent frame : sent) {
                    producer.send(new ProducerRecord<>(Topics.FRAMES_VALID.name(), frame.getVehicleId(), frame));
                }
                producer.flush();

                Duration drain = Duration.ofSeconds(120 + frames / 20);
                await("every frame scored or dead-lettered").atMost(drain).pollInterval(Duration.ofMillis(250))
                        .until(() -> scorerMetrics.framesScored() + scorerMetrics.framesSkipped() == frames);
                await("selection saw every scored frame").atMost(drain).pollInterval(Duration.ofMillis(250))
                        .until(() -> selectionMetrics.framesSeen() >= frames - throwing.size() - nan.size());
                await("the queue holds every harvested frame").atMost(drain).pollInterval(Duration.ofMillis(500))
                        .until(() -> harvested(bootstrap, run).size() == countTasks(dataSource, run)
                                && !harvested(bootstrap, run).isEmpty());
                assertThat(scorerMetrics.modelVersion()).as("the model still served").isEqualTo("v1");
                assertThat(scorerMetrics.modelFailedFrames()).isEqualTo(throwing.size());
                assertThat(scorerMetrics.nonFiniteFrames()).isEqualTo(nan.size());
                LOG.info("fault 3 ({} form): {} frames, {} thrown on and {} NaN, in {} s; {} batch predictions threw "
                        + "({} injected throws while isolating), {} harvested", FaultScale.form(), frames,
                        throwing.size(), nan.size(), (System.nanoTime() - started) / 1_000_000_000,
                        scorerMetrics.batchFailures(), model.predictionsThrown(), harvested(bootstrap, run).size());
            }
        }

        List<ConsumerRecord<byte[], byte[]>> deadLetters = TopicReader.readAll(bootstrap, Topics.FRAMES_DLQ).stream()
                .filter(r -> new String(r.value(), StandardCharsets.ISO_8859_1).contains(run)).toList();
        Map<String, String> reasonById = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            String id = FrameEvent.parseFrom(letter.value()).getFrameId();
            assertThat(reasonById.put(id, header(letter, DlqHeaders.REASON))).as("dead letters of %s", id).isNull();
            assertThat(header(letter, DlqHeaders.DETAIL)).as("detail of %s", id).contains(id);
        }
        Map<String, String> expected = new HashMap<>();
        throwing.forEach(id -> expected.put(id, REASON_MODEL_FAILED));
        nan.forEach(id -> expected.put(id, REASON_NON_FINITE));
        assertThat(reasonById).as("frames.dlq: each poison frame once, with the scorer's reason")
                .isEqualTo(expected);

        List<ScoredFrame> scored = TopicReader.readAll(bootstrap, Topics.FRAMES_SCORED).stream()
                .map(ConsumerRecord::value).filter(s -> s.getFrame().getFrameId().startsWith(run)).toList();
        List<String> good = sent.stream().map(FrameEvent::getFrameId).filter(id -> !expected.containsKey(id)).toList();
        assertThat(scored).extracting(s -> s.getFrame().getFrameId()).as("every other frame scored exactly once")
                .containsExactlyInAnyOrderElementsOf(good);
        assertThat(scored).as("scored frames with a NaN or infinite output").filteredOn(s -> !finite(s)).isEmpty();
        assertThat(scored).extracting(ScoredFrame::getModelVersion).containsOnly("v1");

        assertThat(queryLong(dataSource, """
                SELECT count(*) FROM edge_case_tasks WHERE frame_id LIKE ? AND (
                    priority IN ('NaN', 'Infinity', '-Infinity')
                    OR predicted_steering IN ('NaN', 'Infinity', '-Infinity')
                    OR predicted_accel IN ('NaN', 'Infinity', '-Infinity')
                    OR 'NaN' = ANY (embedding) OR 'Infinity' = ANY (embedding) OR '-Infinity' = ANY (embedding)
                    OR scene_probabilities::text ~* 'nan|infinity')""", run + "-%"))
                .as("tasks with a NaN or infinite number").isZero();
        assertThat(queryLong(dataSource, "SELECT count(*) FROM edge_case_tasks WHERE frame_id = ANY (?)",
                expected.keySet().toArray(String[]::new))).as("tasks of poison frames").isZero();
    }

    /** Frame {@code index}'s fault: 1 in {@value #FAULT_PERIOD} throws, another 1 in it is NaN. */
    private static FaultyModel.Fault faultOf(int index) {
        return switch (index % FAULT_PERIOD) {
            case 37 -> FaultyModel.Fault.THROW;
            case 137 -> FaultyModel.Fault.NAN;
            default -> FaultyModel.Fault.NONE;
        };
    }

    private static List<String> idsWith(Map<String, FaultyModel.Fault> faults, FaultyModel.Fault fault) {
        return faults.entrySet().stream().filter(e -> e.getValue() == fault).map(Map.Entry::getKey).sorted().toList();
    }

    private static boolean finite(ScoredFrame s) {
        List<Float> values = new ArrayList<>(s.getSceneProbabilitiesList());
        values.addAll(s.getEmbeddingList());
        values.add(s.getPredictedAction().getSteering());
        values.add(s.getPredictedAction().getAcceleration());
        values.add(s.getSteeringSpread());
        values.add(s.getAccelerationSpread());
        values.add(s.getNovelty());
        s.getSamplesList().forEach(sample -> {
            values.addAll(sample.getSceneProbabilitiesList());
            values.add(sample.getAction().getSteering());
            values.add(sample.getAction().getAcceleration());
        });
        return values.stream().allMatch(Float::isFinite);
    }

    private static List<String> harvested(String bootstrap, String run) {
        return TopicReader.parsableValues(bootstrap, Topics.EDGE_CASES).stream()
                .map(e -> e.getScored().getFrame().getFrameId()).filter(id -> id.startsWith(run)).toList();
    }

    private static long countTasks(DataSource dataSource, String run) {
        return queryLong(dataSource, "SELECT count(*) FROM edge_case_tasks WHERE frame_id LIKE ?", run + "-%");
    }

    private static long queryLong(DataSource dataSource, String sql, Object parameter) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            if (parameter instanceof String[] array) {
                statement.setArray(1, connection.createArrayOf("text", array));
            } else {
                statement.setObject(1, parameter);
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static ModelArtifact saveModel(String run, Path dir) {
        try (DrivingModel model = DrivingModel.create(new ModelSpec(run, 64, 64,
                List.of("clear_road", "pedestrian_crossing", "stopped_vehicle"), 16), 3)) {
            return model.save(dir.resolve("model"), "v1", "", DrivingModel.METHOD_RANDOM_INIT, Map.of());
        }
    }

    private static StreamsStage start(String applicationId, String bootstrap, Path stateRoot,
            Consumer<StreamsBuilder> topology) throws InterruptedException {
        return StreamsStage.start(applicationId, StreamsStage.properties(applicationId, bootstrap, stateRoot, true),
                topology, START_TIMEOUT);
    }
}
