package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sink's processor on its own, with its buffer as Streams would connect it, into a real
 * PostgreSQL: edge cases wait in the buffer and are written a batch per transaction, when the
 * buffer fills, when the punctuation fires, or when Streams flushes the buffer before a commit.
 * {@link TaskSinkTopologyIT} checks, with the whole topology, that the last comes before the
 * offsets are committed.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskSinkBatchIT {
    private DataSource dataSource;
    /** Connections taken by the sink: one per transaction it writes. */
    private final AtomicInteger connections = new AtomicInteger();
    private MockProcessorContext<byte[], byte[]> context;
    private SinkBuffer<Object> buffer;
    private long offset;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Test
    void edgeCasesWaitForTheCommitAndAreWrittenInOneTransaction() {
        TaskSinkTopology.InsertTasks sink = sink(new SinkBatchConfig(500, Duration.ofSeconds(10)));

        edgeCases("frame-", 0, 5).forEach(e -> process(sink, e));
        assertThat(pending()).as("buffered, not written yet").isZero();
        assertThat(connections).hasValue(0);

        buffer.flushCache();

        assertThat(pending()).isEqualTo(5);
        assertThat(connections).as("one transaction for the batch").hasValue(1);
        assertThat(buffer.size()).isZero();
        assertThat(total("inserted-total")).isEqualTo(5.0);
        assertThat(total("batches-total")).isEqualTo(1.0);
    }

    /** DESIGN.md: a replay never duplicates a task, also when it comes back in other batches. */
    @Test
    void aReplayedBatchMakesNoSecondTask() {
        TaskSinkTopology.InsertTasks sink = sink(new SinkBatchConfig(500, Duration.ofSeconds(10)));
        edgeCases("frame-", 0, 5).forEach(e -> process(sink, e));
        buffer.flushCache();

        edgeCases("frame-", 3, 9).forEach(e -> process(sink, e));
        buffer.flushCache();

        assertThat(pending()).isEqualTo(9);
        assertThat(total("inserted-total")).isEqualTo(9.0);
        assertThat(total("already-present-total")).as("frame-3 and frame-4 came again").isEqualTo(2.0);
        assertThat(connections).hasValue(2);
    }

    @Test
    void aFullBufferIsWrittenWithoutWaitingForTheCommit() {
        TaskSinkTopology.InsertTasks sink = sink(new SinkBatchConfig(3, Duration.ofSeconds(10)));

        edgeCases("frame-", 0, 7).forEach(e -> process(sink, e));

        assertThat(pending()).as("two full batches written, one edge case buffered").isEqualTo(6);
        assertThat(connections).hasValue(2);
        assertThat(buffer.size()).isEqualTo(1);
    }

    @Test
    void thePunctuationWritesWhatWaitedTheLongest() {
        TaskSinkTopology.InsertTasks sink = sink(new SinkBatchConfig(500, Duration.ofMillis(150)));
        process(sink, EdgeCases.edgeCase("frame-1", 0.5));

        MockProcessorContext.CapturedPunctuator punctuator = context.scheduledPunctuators().get(0);
        assertThat(punctuator.getInterval()).isEqualTo(Duration.ofMillis(150));
        punctuator.getPunctuator().punctuate(System.currentTimeMillis());

        assertThat(pending()).isEqualTo(1);
        assertThat(buffer.size()).isZero();
    }

    private TaskSinkTopology.InsertTasks sink(SinkBatchConfig batching) {
        DataSource counted = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connections.incrementAndGet();
                    }
                    try {
                        return method.invoke(dataSource, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        context = new MockProcessorContext<>();
        buffer = SinkBuffer.<Object>builder(TaskSinkTopology.BUFFER_NAME).build();
        buffer.init(context.getStateStoreContext(), buffer);
        context.addStateStore(buffer);
        TaskSinkTopology.InsertTasks sink =
                new TaskSinkTopology.InsertTasks(new TaskStore(counted), SinkRetryConfig.defaults(), batching);
        sink.init(context);
        return sink;
    }

    private void process(TaskSinkTopology.InsertTasks sink, EdgeCase edgeCase) {
        context.setRecordMetadata(Topics.EDGE_CASES.name(), 0, offset++);
        String frameId = edgeCase.getScored().getFrame().getFrameId();
        sink.process(new Record<>(frameId, edgeCase, 0L));
    }

    private static List<EdgeCase> edgeCases(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> EdgeCases.edgeCase(prefix + i, 0.5)).toList();
    }

    private long pending() {
        return new TaskQueue(dataSource).stats().pending();
    }

    private double total(String name) {
        return context.metrics().metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals(TaskSinkTopology.METRICS_GROUP))
                .filter(e -> e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
    }
}
