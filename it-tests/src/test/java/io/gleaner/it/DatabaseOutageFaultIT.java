package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault test 7: PostgreSQL stops for a while (60 s in the long form, 15 s in the short one) while
 * edge cases keep streaming into the queue sink. The sink must wait the database out with a
 * backoff, not crash-loop (no stream thread dies, the application stays RUNNING, retries stay
 * far below one per second), catch up once PostgreSQL is back (its lag on {@code edge-cases}
 * returns to 0) and lose nothing: every edge case published is exactly one task.
 *
 * <p>The sink runs on a PostgreSQL server of this test's own ({@link RestartablePostgres}), which
 * it stops and starts on the same port; the broker is the shared one.
 */
@ExtendWith(GleanerInfrastructure.class)
class DatabaseOutageFaultIT {
    private static final Duration OUTAGE = FaultScale.pick(Duration.ofSeconds(15), Duration.ofSeconds(60));
    /** Edge cases published per tick of {@link #TICK}: 40 a second, before, during and after the outage. */
    private static final int PER_TICK = 4;
    private static final Duration TICK = Duration.ofMillis(100);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(2);

    private final String bootstrapServers;

    @TempDir
    Path scratch;

    DatabaseOutageFaultIT(Infrastructure infrastructure) {
        this.bootstrapServers = infrastructure.kafkaBootstrapServers();
    }

    @Test
    void theSinkWaitsOutAStoppedDatabaseAndLosesNothing() throws Exception {
        String applicationId = "gleaner-queue-sink-outage-" + UUID.randomUUID();
        String prefix = "outage-" + UUID.randomUUID() + "-";
        TopicAdmin.createMissing(bootstrapServers, 2, (short) 1);
        try (RestartablePostgres postgres = RestartablePostgres.start(scratch.resolve("postgres"));
             GroupOffsets offsets = new GroupOffsets(bootstrapServers);
             Producer<String, EdgeCase> producer = TestProducers.to(Topics.EDGE_CASES, bootstrapServers)) {
            DataSource dataSource = postgres.endpoint().dataSource();
            Migrations.migrate(dataSource);
            // Only what this test publishes: the topic holds other classes' edge cases too.
            offsets.startAtEnd(applicationId, Topics.EDGE_CASES.name());

            Set<String> published = ConcurrentHashMap.newKeySet();
            AtomicInteger sequence = new AtomicInteger();
            ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
            Map<KafkaStreams.State, Integer> statesSeen = new EnumMap<>(KafkaStreams.State.class);
            AtomicLong maxLag = new AtomicLong();
            ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
            try (StreamsStage sink = QueueSinkStages.start(applicationId, bootstrapServers, scratch.resolve("state"), dataSource)) {
                publisher.scheduleAtFixedRate(() -> {
                    for (int i = 0; i < PER_TICK; i++) {
                        String frameId = prefix + sequence.incrementAndGet();
                        send(producer, frameId);
                        published.add(frameId);
                    }
                }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
                watcher.scheduleAtFixedRate(() -> {
                    synchronized (statesSeen) {
                        statesSeen.merge(sink.state(), 1, Integer::sum);
                    }
                    try {
                        maxLag.accumulateAndGet(offsets.lag(applicationId, Topics.EDGE_CASES.name()), Math::max);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, 0, 250, TimeUnit.MILLISECONDS);

                await("the sink to store edge cases before the outage").atMost(CATCH_UP_TIMEOUT)
                        .until(() -> tasks(dataSource, prefix) >= 40);
                postgres.stop();
                long stoppedAt = System.nanoTime();
                int publishedBeforeOutage = sequence.get();
                await("the outage to last " + OUTAGE).atMost(OUTAGE.plusSeconds(5))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> System.nanoTime() - stoppedAt >= OUTAGE.toNanos());
                int publishedDuringOutage = sequence.get() - publishedBeforeOutage;
                postgres.startAgain();
                long restartedAt = System.nanoTime();
                await("more edge cases after the outage").atMost(Duration.ofSeconds(10))
                        .until(() -> sequence.get() > publishedBeforeOutage + publishedDuringOutage + 40);
                publisher.shutdown();
                assertThat(publisher.awaitTermination(10, TimeUnit.SECONDS)).as("publisher stopped").isTrue();
                producer.flush();

                await("the sink's lag on edge-cases to return to 0").atMost(CATCH_UP_TIMEOUT)
                        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> offsets.lag(applicationId, Topics.EDGE_CASES.name()) == 0
                                && tasks(dataSource, prefix) == published.size());
                long caughtUpMs = (System.nanoTime() - restartedAt) / 1_000_000;
                watcher.shutdown();
                assertThat(watcher.awaitTermination(10, TimeUnit.SECONDS)).as("watcher stopped").isTrue();

                long failedThreads = StreamsJmx.failedStreamThreads(applicationId);
                long retries = StreamsJmx.total(applicationId, TaskSinkTopology.METRICS_GROUP,
                        "database-retries-total");
                Set<String> stored = frameIds(dataSource, prefix);
                Set<String> lost = new HashSet<>(published);
                lost.removeAll(stored);
                long rows = tasks(dataSource, prefix);
                System.out.printf("FAULT database-outage form=%s outage_s=%d published=%d during_outage=%d tasks=%d"
                                + " lost=%d duplicates=%d failed_stream_threads=%d db_retries=%d max_lag=%d"
                                + " caught_up_ms_after_restart=%d states=%s stopped_for_ms=%d%n",
                        FaultScale.form(), OUTAGE.toSeconds(), published.size(), publishedDuringOutage, rows,
                        lost.size(), rows - stored.size(), failedThreads, retries, maxLag.get(), caughtUpMs,
                        statesSeen, (restartedAt - stoppedAt) / 1_000_000);

                assertThat(publishedDuringOutage).as("edge cases published while PostgreSQL was down")
                        .isGreaterThan(0);
                assertThat(lost).as("edge cases that never became a task").isEmpty();
                assertThat(rows).as("tasks, one per edge case").isEqualTo(published.size());
                assertThat(failedThreads).as("stream threads that died (a crash loop replaces them)").isZero();
                assertThat(statesSeen.keySet()).as("the sink's states while the database was away")
                        .containsOnly(KafkaStreams.State.RUNNING);
                assertThat(retries).as("inserts retried: the sink noticed the outage").isPositive();
                assertThat(retries).as("inserts retried: a backoff, at most one a second, not a busy loop")
                        .isLessThanOrEqualTo(OUTAGE.toSeconds());
                assertThat(maxLag.get()).as("the lag grew while the database was away, so the test tested it")
                        .isGreaterThan(PER_TICK);
            } finally {
                publisher.shutdownNow();
                watcher.shutdownNow();
            }
        }
    }

    private static void send(Producer<String, EdgeCase> producer, String frameId) {
        try {
            producer.send(new ProducerRecord<>(Topics.EDGE_CASES.name(), frameId,
                    TestEdgeCases.edgeCase(frameId, "vehicle-outage", "entropy", 0.5))).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish " + frameId + " to " + Topics.EDGE_CASES.name(), e);
        }
    }

    private static long tasks(DataSource dataSource, String prefix) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM edge_case_tasks WHERE frame_id LIKE ?")) {
            st.setString(1, prefix + "%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Set<String> frameIds(DataSource dataSource, String prefix) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT frame_id FROM edge_case_tasks WHERE frame_id LIKE ?")) {
            st.setString(1, prefix + "%");
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return new HashSet<>(ids);
        }
    }
}
