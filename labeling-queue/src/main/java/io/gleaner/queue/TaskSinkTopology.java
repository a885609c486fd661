package io.gleaner.queue;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue sink stage: every record on {@code edge-cases} becomes a pending task in PostgreSQL
 * through {@link TaskStore}.
 *
 * <p><b>Batched.</b> Edge cases are buffered and written in one transaction per batch
 * ({@link SinkBatchConfig}: when the buffer is full, on a wall-clock punctuation, and before
 * every commit). The buffer is a state store ({@link SinkBuffer}) so that Kafka Streams writes it
 * before it commits the offsets of the records in it: an offset is committed only once the task
 * for it is durable in PostgreSQL, or once the record went to the DLQ in the same commit. A
 * replay (after a crash, a failed commit, or a reset of the group) writes the same frame ids
 * again, which the insert skips.
 *
 * <p><b>No edge case is lost.</b> When the database fails ({@link QueueDatabaseException}), the
 * processor waits and retries the same batch with a bounded exponential backoff
 * ({@link SinkRetryConfig}), so a database outage holds the stage back instead of failing and
 * replacing its stream thread over and over. Only when the database stays away past
 * {@link SinkRetryConfig#giveUpAfter()} does the exception propagate: it fails the stream task,
 * so the batch's offsets are never committed and its records are processed again once the task
 * or application restarts. The application must therefore keep the default fail-on-error
 * processing exception handler for this stage. Because the insert is idempotent
 * ({@code ON CONFLICT (frame_id) DO NOTHING}), such replays, and replays after a crash, never make
 * a second task. (Should the stage have dead-lettered a record in the same commit interval, a wait
 * longer than the producer's transaction timeout aborts that transaction; Streams then rejoins and
 * reprocesses from the last commit, which the idempotent insert also absorbs.)
 *
 * <p>An edge case that can never become a task (a tombstone, no frame id, no image, values
 * PostgreSQL refuses as bad data; see {@link RejectedEdgeCaseException}) is counted as rejected
 * and forwarded to {@code frames.dlq} (key: the frame id, value: the {@code EdgeCase} bytes, with
 * {@link DlqHeaders} naming its own topic, partition and offset), since retrying it would stop the
 * stage forever. The checks that need no database reject it at once; a refusal by PostgreSQL is
 * found when its batch is written, and only that edge case is dead-lettered.
 *
 * <p>Metrics, per stream task, in group {@value #METRICS_GROUP}: {@code inserted-total},
 * {@code already-present-total}, {@code rejected-total}, {@code batches-total} (transactions that
 * wrote a batch) and {@code database-retries-total} (failed batch writes that were retried after
 * a backoff), with their {@code -rate}.
 */
public final class TaskSinkTopology {
    /** The Kafka Streams {@code application.id} of this stage. */
    public static final String APPLICATION_ID = "gleaner-queue-sink";

    /** Name of the source node reading {@code edge-cases}. */
    public static final String SOURCE_NAME = "queue-sink-edge-cases";
    /** Name of the processor that writes tasks. */
    public static final String PROCESSOR_NAME = "queue-sink-insert-task";
    /** Name of the state store holding the edge cases not written yet. */
    public static final String BUFFER_NAME = "queue-sink-pending-edge-cases";
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
     * {@linkplain SinkRetryConfig#defaults() default} backoff while the database is away and the
     * {@linkplain SinkBatchConfig#defaults() default} batches.
     */
    public static void build(StreamsBuilder builder, TaskStore store) {
        build(builder, store, SinkRetryConfig.defaults());
    }

    /** Adds the sink to {@code builder}, retrying a failed batch as {@code retry} says. */
    public static void build(StreamsBuilder builder, TaskStore store, SinkRetryConfig retry) {
        build(builder, store, retry, SinkBatchConfig.defaults());
    }

    /** Adds the sink to {@code builder}, writing batches as {@code batching} says. */
    public static void build(StreamsBuilder builder, TaskStore store, SinkRetryConfig retry,
                             SinkBatchConfig batching) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(batching, "batching");
        builder.addStateStore(SinkBuffer.<Pending>builder(BUFFER_NAME));
        builder.stream(Topics.EDGE_CASES.name(),
                        Consumed.with(Topics.EDGE_CASES.keySerde(), Topics.EDGE_CASES.valueSerde())
                                .withName(SOURCE_NAME))
                .process(() -> new InsertTasks(store, retry, batching), Named.as(PROCESSOR_NAME), BUFFER_NAME)
                .to(Topics.FRAMES_DLQ.name(),
                        Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                                .withName(DLQ_SINK_NAME));
    }

    /** An {@code edge-cases} record with where it came from, which a dead letter names. */
    private record Received(Record<String, EdgeCase> record, String topic, int partition, long offset) {}

    /** A buffered edge case: the row to write and the record it came from. */
    private record Pending(TaskStore.TaskRow row, Received received) {}

    /**
     * Buffers edge cases and writes them a batch per transaction; forwards only the records it
     * rejects, as dead letters.
     */
    static final class InsertTasks implements Processor<String, EdgeCase, byte[], byte[]> {
        private static final Logger LOG = LoggerFactory.getLogger(TaskSinkTopology.class);

        private final TaskStore store;
        private final SinkRetryConfig retry;
        private final SinkBatchConfig batching;
        private ProcessorContext<byte[], byte[]> context;
        private SinkBuffer<Pending> buffer;
        /** Streams' own view of {@link #context}; null under a test's mock context. */
        private InternalProcessorContext<byte[], byte[]> internalContext;
        private ProcessorNode<?, ?, ?, ?> node;
        private boolean committing;
        private Sensor inserted;
        private Sensor alreadyPresent;
        private Sensor rejected;
        private Sensor batches;
        private Sensor databaseRetries;

        InsertTasks(TaskStore store, SinkRetryConfig retry, SinkBatchConfig batching) {
            this.store = store;
            this.retry = retry;
            this.batching = batching;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            if (context instanceof InternalProcessorContext<byte[], byte[]> internal) {
                internalContext = internal;
                node = internal.currentNode();
            }
            inserted = sensor("inserted");
            alreadyPresent = sensor("already-present");
            rejected = sensor("rejected");
            batches = sensor("batches");
            databaseRetries = sensor("database-retries");
            buffer = context.getStateStore(BUFFER_NAME);
            buffer.writeBeforeCommit(this::writeBeforeCommit);
            context.schedule(batching.maxDelay(), PunctuationType.WALL_CLOCK_TIME, now -> write());
        }

        private Sensor sensor(String operation) {
            return context.metrics().addRateTotalSensor(
                    METRICS_SCOPE, context.taskId().toString(), operation, Sensor.RecordingLevel.INFO);
        }

        @Override
        public void process(Record<String, EdgeCase> record) {
            RecordMetadata source = context.recordMetadata().orElse(null);
            Received received = source == null ? new Received(record, Topics.EDGE_CASES.name(), -1, -1)
                    : new Received(record, source.topic(), source.partition(), source.offset());
            if (record.value() == null) {
                reject(received, REASON_TOMBSTONE,
                        "edge-cases record has no value: a tombstone is not an edge case", null);
                return;
            }
            TaskStore.TaskRow row;
            try {
                row = TaskStore.row(record.value());
            } catch (RejectedEdgeCaseException invalid) {
                reject(received, invalid.reason(), invalid.getMessage(), invalid);
                return;
            }
            buffer.add(new Pending(row, received));
            if (buffer.size() >= batching.maxEdgeCases()) {
                write();
            }
        }

        /**
         * Runs when Streams commits the task, outside {@link #process} and punctuation: no node is
         * current, so a dead letter is forwarded the way Streams' own caches forward when they are
         * flushed at a commit, from this processor's node with its source record as the context.
         */
        private void writeBeforeCommit() {
            committing = true;
            try {
                write();
            } finally {
                committing = false;
            }
        }

        /** Writes the buffer in one transaction, dead-letters what PostgreSQL refused, and empties it. */
        private void write() {
            List<Pending> pending = buffer.contents();
            if (pending.isEmpty()) {
                return;
            }
            List<TaskStore.TaskRow> rows = pending.stream().map(Pending::row).toList();
            TaskStore.BatchOutcome outcome = insertWaitingOutTheDatabase(rows);
            batches.record();
            record(inserted, outcome.created());
            record(alreadyPresent, outcome.alreadyPresent());
            outcome.refused().forEach((index, refusal) ->
                    reject(pending.get(index).received(), refusal.reason(), refusal.getMessage(), refusal));
            buffer.clear();
        }

        private static void record(Sensor sensor, int times) {
            for (int i = 0; i < times; i++) {
                sensor.record();
            }
        }

        /**
         * Writes {@code rows}, retrying while the database fails, with the backoff of
         * {@link #retry}; a {@link QueueDatabaseException} past its give-up time propagates on
         * purpose (see the class javadoc).
         */
        private TaskStore.BatchOutcome insertWaitingOutTheDatabase(List<TaskStore.TaskRow> rows) {
            int failures = 0;
            long firstFailure = 0;
            while (true) {
                try {
                    TaskStore.BatchOutcome outcome = store.insertAll(rows);
                    if (failures > 0) {
                        LOG.info("queue database reachable again after {} failed batch writes over {} ms", failures,
                                (System.nanoTime() - firstFailure) / 1_000_000);
                    }
                    return outcome;
                } catch (QueueDatabaseException e) {
                    if (failures++ == 0) {
                        firstFailure = System.nanoTime();
                    }
                    Duration backoff = retry.backoff(failures);
                    Duration failingFor = Duration.ofNanos(System.nanoTime() - firstFailure);
                    if (failingFor.plus(backoff).compareTo(retry.giveUpAfter()) > 0) {
                        LOG.error("queue database still failing after {} writes of a batch of {} over {}: failing"
                                + " the stream thread so the batch is retried by a new one", failures, rows.size(),
                                failingFor);
                        throw e;
                    }
                    LOG.warn("{}; retry {} in {} ms", e.getMessage(), failures, backoff.toMillis());
                    databaseRetries.record();
                    // Blocking the stream thread is the point: it must not take the next record, or
                    // commit, while this batch is not durable; SinkRetryConfig keeps the whole wait a
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

        private void reject(Received received, String reason, String detail, Exception cause) {
            rejected.record();
            Record<String, EdgeCase> record = received.record();
            String frameId = record.key() != null ? record.key()
                    : record.value() != null ? record.value().getScored().getFrame().getFrameId() : null;
            // Headers are copied: the input record's headers must not change under other readers.
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            DlqHeaders.stamp(headers, reason, detail, cause == null ? null : cause.getClass().getName(),
                    received.topic(), received.partition(), received.offset());
            LOG.warn("edge case with key {} sent to {} ({}): {}", frameId == null ? null : TaskStore.shown(frameId),
                    Topics.FRAMES_DLQ.name(), reason, detail);
            Record<byte[], byte[]> deadLetter = new Record<>(
                    frameId == null ? null : frameId.getBytes(StandardCharsets.UTF_8),
                    record.value() == null ? null : record.value().toByteArray(),
                    record.timestamp(),
                    headers);
            if (committing && internalContext != null) {
                forwardDuringCommit(deadLetter, received);
            } else {
                context.forward(deadLetter);
            }
        }

        private void forwardDuringCommit(Record<byte[], byte[]> deadLetter, Received received) {
            ProcessorNode<?, ?, ?, ?> previousNode = internalContext.currentNode();
            ProcessorRecordContext previousRecord = internalContext.recordContext();
            internalContext.setCurrentNode(node);
            internalContext.setRecordContext(new ProcessorRecordContext(deadLetter.timestamp(), received.offset(),
                    received.partition(), received.topic(), deadLetter.headers()));
            try {
                context.forward(deadLetter);
            } finally {
                internalContext.setRecordContext(previousRecord);
                internalContext.setCurrentNode(previousNode);
            }
        }

        @Override
        public void close() {
            if (context != null) {
                context.metrics().removeSensor(inserted);
                context.metrics().removeSensor(alreadyPresent);
                context.metrics().removeSensor(rejected);
                context.metrics().removeSensor(batches);
                context.metrics().removeSensor(databaseRetries);
            }
        }
    }
}
