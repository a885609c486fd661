package io.gleaner.queue;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.util.Objects;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
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
 * <p>An edge case that can never become a task (no frame id, no image; see
 * {@link TaskStore#insert}) is logged and counted as rejected instead, since retrying it would
 * stop the stage forever.
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

    static final String METRICS_SCOPE = "queue-sink";
    /** Metric group of the sink's counters. */
    public static final String METRICS_GROUP = "stream-queue-sink-metrics";

    private TaskSinkTopology() {}

    /** Adds the sink to {@code builder}: edge-cases → {@code store}. */
    public static void build(StreamsBuilder builder, TaskStore store) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(store, "store");
        builder.stream(Topics.EDGE_CASES.name(),
                        Consumed.with(Topics.EDGE_CASES.keySerde(), Topics.EDGE_CASES.valueSerde())
                                .withName(SOURCE_NAME))
                .process(() -> new InsertTask(store), Named.as(PROCESSOR_NAME));
    }

    /** Writes one edge case per record; forwards nothing. */
    private static final class InsertTask implements Processor<String, EdgeCase, Void, Void> {
        private static final Logger LOG = LoggerFactory.getLogger(TaskSinkTopology.class);

        private final TaskStore store;
        private ProcessorContext<Void, Void> context;
        private Sensor inserted;
        private Sensor alreadyPresent;
        private Sensor rejected;

        InsertTask(TaskStore store) {
            this.store = store;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
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
                rejected.record();
                LOG.warn("edge-cases record with key {} has no value; skipped (a tombstone is not an edge case)",
                        record.key());
                return;
            }
            boolean created;
            try {
                created = store.insert(record.value());
            } catch (IllegalArgumentException invalid) {
                rejected.record();
                LOG.warn("edge case with key {} skipped: {}", record.key(), invalid.getMessage());
                return;
            }
            // A QueueDatabaseException propagates on purpose: see the class javadoc.
            (created ? inserted : alreadyPresent).record();
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
