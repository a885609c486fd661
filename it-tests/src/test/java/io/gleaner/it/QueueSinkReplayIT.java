package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.DeadLetterDeserializationHandler;
import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md, Storage: "The sink from edge-cases is idempotent, so a replay never duplicates a
 * task" — checked with the real queue-sink stage, a real producer and PostgreSQL, across a
 * restart of the stage.
 */
@ExtendWith(GleanerInfrastructure.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueSinkReplayIT {
    private static final Duration SINK_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Every record goes to this partition, so that once a marker record sent after the
     * duplicates is in the table, the sink has processed the duplicates too.
     */
    private static final int PARTITION = 0;

    private String bootstrapServers;
    private DataSource dataSource;
    @TempDir
    Path stateRoot;

    @BeforeAll
    void migrateAndCreateTopics(Infrastructure infrastructure) throws InterruptedException {
        bootstrapServers = infrastructure.kafkaBootstrapServers();
        dataSource = infrastructure.database().dataSource();
        Migrations.migrate(dataSource);
        TopicAdmin.createMissing(bootstrapServers, 2, (short) 1);
    }

    @Test
    void anEdgeCasePublishedTwiceAndAgainAfterARestartMakesOneTask() throws Exception {
        EdgeCase edgeCase = replayedEdgeCase("replayed-" + UUID.randomUUID(), 0.75);
        String frameId = edgeCase.getScored().getFrame().getFrameId();
        try (Producer<String, EdgeCase> producer = TestProducers.to(Topics.EDGE_CASES, bootstrapServers)) {
            try (StreamsStage sink = QueueSinkStages.start(TaskSinkTopology.APPLICATION_ID, bootstrapServers, stateRoot, dataSource)) {
                send(producer, edgeCase);
                send(producer, edgeCase);
                awaitSinkPassed(producer, "marker-before-restart-");
                assertThat(tasksFor(frameId)).as("tasks for %s after publishing it twice", frameId).isEqualTo(1);
            }

            try (StreamsStage sink = QueueSinkStages.start(TaskSinkTopology.APPLICATION_ID, bootstrapServers, stateRoot, dataSource)) {
                send(producer, edgeCase);
                awaitSinkPassed(producer, "marker-after-restart-");
                assertThat(tasksFor(frameId)).as("tasks for %s after a restart and a third copy", frameId)
                        .isEqualTo(1);
            }
        }
        assertThat(priorityOf(frameId)).as("the task keeps what the first copy said").isEqualTo(0.75);
    }

    /**
     * DESIGN.md: "A bad record never stops a stream". Bytes that are not an EdgeCase at all go to
     * frames.dlq under exactly-once on a real broker, and the sink goes on with the next record.
     */
    @Test
    void bytesThatAreNoEdgeCaseAreDeadLetteredAndTheSinkGoesOn() throws Exception {
        String key = "garbage-" + UUID.randomUUID();
        byte[] garbage = {(byte) 0xff, 0x07, 0x01};
        try (Producer<String, EdgeCase> producer = TestProducers.to(Topics.EDGE_CASES, bootstrapServers);
             Producer<String, byte[]> rawProducer = new KafkaProducer<>(TestProducers.properties(bootstrapServers),
                     new StringSerializer(), new ByteArraySerializer());
             StreamsStage sink = QueueSinkStages.start(TaskSinkTopology.APPLICATION_ID, bootstrapServers, stateRoot, dataSource)) {
            rawProducer.send(new ProducerRecord<>(Topics.EDGE_CASES.name(), PARTITION, key, garbage)).get();
            awaitSinkPassed(producer, "marker-after-garbage-");
        }
        List<ConsumerRecord<byte[], byte[]>> deadLetters = await("the garbage in " + Topics.FRAMES_DLQ.name())
                .atMost(SINK_TIMEOUT)
                .until(() -> TopicReader.readAll(bootstrapServers, Topics.FRAMES_DLQ).stream()
                        .filter(r -> Arrays.equals(r.key(), key.getBytes(StandardCharsets.UTF_8))).toList(),
                        records -> !records.isEmpty());
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).value()).isEqualTo(garbage);
        assertThat(new String(deadLetters.get(0).headers().lastHeader(DlqHeaders.REASON).value(),
                StandardCharsets.UTF_8)).isEqualTo(DeadLetterDeserializationHandler.REASON);
    }

    /** Sends a marker after what was sent so far and waits until the sink has stored it. */
    private void awaitSinkPassed(Producer<String, EdgeCase> producer, String markerPrefix) {
        String marker = markerPrefix + UUID.randomUUID();
        send(producer, replayedEdgeCase(marker, 0.1));
        await("the queue sink to store " + marker).atMost(SINK_TIMEOUT)
                .until(() -> tasksFor(marker) == 1);
    }

    private static void send(Producer<String, EdgeCase> producer, EdgeCase edgeCase) {
        try {
            producer.send(new ProducerRecord<>(Topics.EDGE_CASES.name(), PARTITION,
                    edgeCase.getScored().getFrame().getFrameId(), edgeCase)).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish to " + Topics.EDGE_CASES.name() + ": " + e, e);
        }
    }

    private static EdgeCase replayedEdgeCase(String frameId, double priority) {
        return TestEdgeCases.edgeCase(frameId, "vehicle-replay", "entropy", priority);
    }

    private long tasksFor(String frameId) {
        return queryNumber("SELECT count(*) FROM edge_case_tasks WHERE frame_id = ?", frameId).longValue();
    }

    private double priorityOf(String frameId) {
        return queryNumber("SELECT priority FROM edge_case_tasks WHERE frame_id = ?", frameId).doubleValue();
    }

    private Number queryNumber(String sql, String frameId) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, frameId);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException("no row for frame " + frameId + ": " + sql);
                }
                return (Number) rows.getObject(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
