package io.gleaner.queue;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue sink stage: every record on {@code edge-cases} becomes a pending task in PostgreSQL
 * through {@link TaskStore#insert}.
 *
 * <p><b>No edge case is lost.</b> When the database fails ({@link QueueDatabaseException}), the
 * exception is not caught: it fails the stream task, so the record's offset is never committed
 * and the record is processed again once the task or application restarts. The application must
 * therefore keep the default fail-on-error processing exception handler for this stage. Because
 * the insert is idempotent ({@code ON CONFLICT (frame_id) DO NOTHING}), such replays, and
 * replays after a crash, never make a second task.
 *
 * <p>An edge case that can never become a task (a tombstone, no frame id, no image, values
 * PostgreSQL refuses as bad data; see {@link RejectedEdgeCaseException}) is counted as rejected
 * and forwarded to {@code frames.dlq} (key: the frame id, value: the {@code EdgeCase} bytes, with
 * {@link DlqHeaders}), since retrying it would stop the stage forever.
 *
 * <p>Metrics, per stream task, in group {@value #METRICS_GROUP}: {@code inserted-total},
 * {@code already-present-total} and {@code rejected-total} (with their {@code -rate}).
 */
public final class TaskSinkTopology {
    /** The Kafka Streams {@code application.id} of this stage. */
    public static final String APPLICATION_ID = "gleaner-queue-sink";

    /** Name of the source node reading {@code edge-cases}. */
    public static final String SOURCE_NAME = "queue-sink-edge-cases";
    /** Name of the processor that writes tasks. */
    public static final String PROCESSOR_NAME = "queue-sink-insert-task";
    /** Name of the sink node writing rejected edge cases to {@code frames.dlq}. */
    public static final String DLQ_SINK_NAME = "queue-sink-dlq";

    /** DLQ reason for an {@code edge-cases} record without a value. */
    public static final String REASON_TOMBSTONE = "edge-case-tombstone";

    static final String METRICS_SCOPE = "queue-sink";
    /** Metric group of the sink's counters. */
    public static final String METRICS_GROUP = "stream-queue-sink-metrics";

    private TaskSinkTopology() {}

    /** Adds the sink to {@code builder}: edge-cases → {@code store}, rejects → frames.dlq. */
    public static void build(StreamsBuilder builder, TaskStore store) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(store, "store");
        builder.stream(Topics.EDGE_CASES.name(),
                        Consumed.with(Topics.EDGE_CASES.keySerde(), Topics.EDGE_CASES.valueSerde())
                                .withName(SOURCE_NAME))
                .process(() -> new InsertTask(store), Named.as(PROCESSOR_NAME))
                .to(Topics.FRAMES_DLQ.name(),
                        Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                                .withName(DLQ_SINK_NAME));
    }

    /** Writes one edge case per record; forwards only the records it rejects, as dead letters. */
    private static final class InsertTask implements Processor<String, EdgeCase, byte[], byte[]> {
        private static final Logger LOG = LoggerFactory.getLogger(TaskSinkTopology.class);

        private final TaskStore store;
        private ProcessorContext<byte[], byte[]> context;
        private Sensor inserted;
        private Sensor alreadyPresent;
        private Sensor rejected;

        InsertTask(TaskStore store) {
            this.store = store;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            inserted = sensor("inserted");
            alreadyPresent = sensor("already-present");
            rejected = sensor("rejected");
        }

        private Sensor sensor(String operation) {
            return context.metrics().addRateTotalSensor(
                    METRICS_SCOPE, context.taskId().toString(), operation, Sensor.RecordingLevel.INFO);
        }

        @Override
        public void process(Record<String, EdgeCase> record) {
            if (record.value() == null) {
                reject(record, REASON_TOMBSTONE,
                        "edge-cases record has no value: a tombstone is not an edge case", null);
                return;
            }
            boolean created;
            try {
                created = store.insert(record.value());
            } catch (RejectedEdgeCaseException invalid) {
                reject(record, invalid.reason(), invalid.getMessage(), invalid);
                return;
            }
            // A QueueDatabaseException propagates on purpose: see the class javadoc.
            (created ? inserted : alreadyPresent).record();
        }

        private void reject(Record<String, EdgeCase> record, String reason, String detail, Exception cause) {
            rejected.record();
            String frameId = record.key() != null ? record.key()
                    : record.value() != null ? record.value().getScored().getFrame().getFrameId() : null;
            // Headers are copied: the input record's headers must not change under other readers.
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            RecordMetadata source = context.recordMetadata().orElse(null);
            DlqHeaders.stamp(headers, reason, detail, cause == null ? null : cause.getClass().getName(),
                    source == null ? Topics.EDGE_CASES.name() : source.topic(),
                    source == null ? -1 : source.partition(),
                    source == null ? -1 : source.offset());
            LOG.warn("edge case with key {} sent to {} ({}): {}", frameId == null ? null : TaskStore.shown(frameId),
                    Topics.FRAMES_DLQ.name(), reason, detail);
            context.forward(new Record<>(
                    frameId == null ? null : frameId.getBytes(StandardCharsets.UTF_8),
                    record.value() == null ? null : record.value().toByteArray(),
                    record.timestamp(),
                    headers));
        }

        @Override
        public void close() {
            if (context != null) {
                context.metrics().removeSensor(inserted);
                context.metrics().removeSensor(alreadyPresent);
                context.metrics().removeSensor(rejected);
            }
        }
    }
}
