package io.gleaner.queue;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * processor waits and retries the same record with a bounded exponential backoff
 * ({@link SinkRetryConfig}), so a database outage holds the stage back instead of failing and
 * replacing its stream thread over and over. Only when the database stays away past
 * {@link SinkRetryConfig#giveUpAfter()} does the exception propagate: it fails the stream task,
 * so the record's offset is never committed and the record is processed again once the task or
 * application restarts. The application must therefore keep the default fail-on-error processing
 * exception handler for this stage. Because the insert is idempotent
 * ({@code ON CONFLICT (frame_id) DO NOTHING}), such replays, and replays after a crash, never make
 * a second task. (Should the stage have dead-lettered a record in the same commit interval, a wait
 * longer than the producer's transaction timeout aborts that transaction; Streams then rejoins and
 * reprocesses from the last commit, which the idempotent insert also absorbs.)
 *
 * <p>An edge case that can never become a task (a tombstone, no frame id, no image, values
 * PostgreSQL refuses as bad data; see {@link RejectedEdgeCaseException}) is counted as rejected
 * and forwarded to {@code frames.dlq} (key: the frame id, value: the {@code EdgeCase} bytes, with
 * {@link DlqHeaders}), since retrying it would stop the stage forever.
 *
 * <p>Metrics, per stream task, in group {@value #METRICS_GROUP}: {@code inserted-total},
 * {@code already-present-total}, {@code rejected-total} and {@code database-retries-total} (failed
 * inserts that were retried after a backoff), with their {@code -rate}.
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

    /**
     * Adds the sink to {@code builder}: edge-cases → {@code store}, rejects → frames.dlq, with the
     * {@linkplain SinkRetryConfig#defaults() default} backoff while the database is away.
     */
    public static void build(StreamsBuilder builder, TaskStore store) {
        build(builder, store, SinkRetryConfig.defaults());
    }

    /** Adds the sink to {@code builder}, retrying a failed insert as {@code retry} says. */
    public static void build(StreamsBuilder builder, TaskStore store, SinkRetryConfig retry) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(retry, "retry");
        builder.stream(Topics.EDGE_CASES.name(),
                        Consumed.with(Topics.EDGE_CASES.keySerde(), Topics.EDGE_CASES.valueSerde())
                                .withName(SOURCE_NAME))
                .process(() -> new InsertTask(store, retry), Named.as(PROCESSOR_NAME))
                .to(Topics.FRAMES_DLQ.name(),
                        Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                                .withName(DLQ_SINK_NAME));
    }

    /** Writes one edge case per record; forwards only the records it rejects, as dead letters. */
    private static final class InsertTask implements Processor<String, EdgeCase, byte[], byte[]> {
        private static final Logger LOG = LoggerFactory.getLogger(TaskSinkTopology.class);

        private final TaskStore store;
        private final SinkRetryConfig retry;
        private ProcessorContext<byte[], byte[]> context;
        private Sensor inserted;
        private Sensor alreadyPresent;
        private Sensor rejected;
        private Sensor databaseRetries;

        InsertTask(TaskStore store, SinkRetryConfig retry) {
            this.store = store;
            this.retry = retry;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            inserted = sensor("inserted");
            alreadyPresent = sensor("already-present");
            rejected = sensor("rejected");
            databaseRetries = sensor("database-retries");
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
                created = insertWaitingOutTheDatabase(record.value());
            } catch (RejectedEdgeCaseException invalid) {
                reject(record, invalid.reason(), invalid.getMessage(), invalid);
                return;
            }
            (created ? inserted : alreadyPresent).record();
        }

        /**
         * Inserts, retrying while the database fails, with the backoff of {@link #retry}; a
         * {@link QueueDatabaseException} past its give-up time propagates on purpose (see the
         * class javadoc).
         */
        private boolean insertWaitingOutTheDatabase(EdgeCase edgeCase) {
            int failures = 0;
            long firstFailure = 0;
            while (true) {
                try {
                    boolean created = store.insert(edgeCase);
                    if (failures > 0) {
                        LOG.info("queue database reachable again after {} failed inserts over {} ms", failures,
                                (System.nanoTime() - firstFailure) / 1_000_000);
                    }
                    return created;
                } catch (QueueDatabaseException e) {
                    if (failures++ == 0) {
                        firstFailure = System.nanoTime();
                    }
                    Duration backoff = retry.backoff(failures);
                    Duration failingFor = Duration.ofNanos(System.nanoTime() - firstFailure);
                    if (failingFor.plus(backoff).compareTo(retry.giveUpAfter()) > 0) {
                        LOG.error("queue database still failing after {} inserts over {}: failing the stream"
                                + " thread so the record is retried by a new one", failures, failingFor);
                        throw e;
                    }
                    LOG.warn("{}; retry {} in {} ms", e.getMessage(), failures, backoff.toMillis());
                    databaseRetries.record();
                    // Blocking the stream thread is the point: it must not take the next record, or
                    // commit, while this one is not durable; SinkRetryConfig keeps the whole wait a
                    // minute under max.poll.interval.ms, so the group keeps the member.
                    try {
                        Thread.sleep(backoff.toMillis(), backoff.toNanosPart() % 1_000_000);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
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
                context.metrics().removeSensor(databaseRetries);
            }
        }
    }
}
