package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/** The sink topology exactly as production builds it, driven by TopologyTestDriver into a real PostgreSQL. */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskSinkTopologyIT {
    private DataSource dataSource;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Test
    void theSameEdgeCaseTwiceMakesOneTask() {
        EdgeCase edgeCase = EdgeCases.edgeCase("frame-1", 0.8);

        try (TopologyTestDriver driver = driver(new TaskStore(dataSource))) {
            TestInputTopic<String, EdgeCase> edgeCases = input(driver);
            edgeCases.pipeInput("frame-1", edgeCase);
            edgeCases.pipeInput("frame-1", edgeCase);

            assertThat(new TaskQueue(dataSource).stats()).isEqualTo(new QueueStats(1, 0, 0, 0, 0));
            assertThat(total(driver, "inserted-total")).isEqualTo(1.0);
            assertThat(total(driver, "already-present-total")).isEqualTo(1.0);
            assertThat(total(driver, "rejected-total")).isZero();
        }
    }

    /** Regression: edge cases that could never become tasks were logged and dropped, not dead-lettered. */
    @Test
    void anEdgeCaseThatCanNeverBecomeATaskIsCountedAndSentToTheDlq() {
        EdgeCase noFrameId = EdgeCase.newBuilder()
                .setScored(EdgeCases.edgeCase("x", 0.5).getScored().toBuilder().setFrame(FrameEvent.newBuilder()))
                .build();

        try (TopologyTestDriver driver = driver(new TaskStore(dataSource))) {
            TestInputTopic<String, EdgeCase> edgeCases = input(driver);
            TestOutputTopic<byte[], byte[]> dlq = dlq(driver);
            edgeCases.pipeInput("bad", noFrameId);
            edgeCases.pipeInput("frame-2", EdgeCases.edgeCase("frame-2", 0.5));

            assertThat(total(driver, "rejected-total")).isEqualTo(1.0);
            assertThat(new TaskQueue(dataSource).stats().pending()).isEqualTo(1);
            TestRecord<byte[], byte[]> dead = dlq.readRecord();
            assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("bad");
            assertThat(dead.value()).isEqualTo(noFrameId.toByteArray());
            assertThat(header(dead, DlqHeaders.REASON)).isEqualTo(RejectedEdgeCaseException.NO_FRAME_ID);
            assertThat(header(dead, DlqHeaders.DETAIL)).contains("no frame id");
            assertThat(header(dead, DlqHeaders.EXCEPTION)).isEqualTo(RejectedEdgeCaseException.class.getName());
            assertThat(header(dead, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.EDGE_CASES.name());
            assertThat(header(dead, DlqHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dead, DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
            assertThat(dlq.isEmpty()).as("the valid edge case is not dead-lettered").isTrue();
        }
    }

    /** Regression: a value PostgreSQL refuses (SQL state 22) failed the task and was retried forever. */
    @Test
    void anEdgeCaseThePostgresRefusesGoesToTheDlqAndTheStreamGoesOn() {
        EdgeCase nul = EdgeCases.edgeCase("frame-\u00001", 0.5);

        try (TopologyTestDriver driver = driver(new TaskStore(dataSource))) {
            TestInputTopic<String, EdgeCase> edgeCases = input(driver);
            TestOutputTopic<byte[], byte[]> dlq = dlq(driver);
            edgeCases.pipeInput("frame-0", EdgeCases.edgeCase("frame-0", 0.5));
            edgeCases.pipeInput("frame-\u00001", nul);
            edgeCases.pipeInput("frame-2", EdgeCases.edgeCase("frame-2", 0.5));

            assertThat(new TaskQueue(dataSource).stats().pending()).isEqualTo(2);
            assertThat(total(driver, "inserted-total")).isEqualTo(2.0);
            assertThat(total(driver, "rejected-total")).isEqualTo(1.0);
            TestRecord<byte[], byte[]> dead = dlq.readRecord();
            assertThat(dead.key()).isEqualTo("frame-\u00001".getBytes(StandardCharsets.UTF_8));
            assertThat(dead.value()).isEqualTo(nul.toByteArray());
            assertThat(header(dead, DlqHeaders.REASON)).isEqualTo(RejectedEdgeCaseException.REFUSED_BY_DATABASE);
            assertThat(header(dead, DlqHeaders.DETAIL)).contains("SQL state 22");
            assertThat(header(dead, DlqHeaders.SOURCE_OFFSET)).isEqualTo("1");
            assertThat(dlq.isEmpty()).isTrue();
        }
    }

    @Test
    void aTombstoneIsCountedAndSentToTheDlq() {
        try (TopologyTestDriver driver = driver(new TaskStore(dataSource))) {
            input(driver).pipeInput("frame-9", (EdgeCase) null);

            TestRecord<byte[], byte[]> dead = dlq(driver).readRecord();
            assertThat(dead.key()).isEqualTo("frame-9".getBytes(StandardCharsets.UTF_8));
            assertThat(dead.value()).isNull();
            assertThat(header(dead, DlqHeaders.REASON)).isEqualTo(TaskSinkTopology.REASON_TOMBSTONE);
            assertThat(dead.headers().lastHeader(DlqHeaders.EXCEPTION)).isNull();
            assertThat(total(driver, "rejected-total")).isEqualTo(1.0);
        }
    }

    @Test
    void aDatabaseFailureFailsTheStreamTaskInsteadOfSkippingTheEdgeCase() {
        PGSimpleDataSource unreachable = new PGSimpleDataSource();
        unreachable.setServerNames(new String[] {"127.0.0.1"});
        unreachable.setPortNumbers(new int[] {1});
        unreachable.setConnectTimeout(2);

        TopologyTestDriver driver = driver(new TaskStore(unreachable), QUICK_RETRY);
        assertThatThrownBy(() -> input(driver).pipeInput("frame-3", EdgeCases.edgeCase("frame-3", 0.5)))
                .isInstanceOf(StreamsException.class)
                .hasRootCauseInstanceOf(ConnectException.class)
                .satisfies(e -> assertThat(e).hasStackTraceContaining("QueueDatabaseException"));
        assertThat(total(driver, "database-retries-total")).as("retried with backoff before giving up")
                .isBetween(2.0, 6.0);
        assertThatThrownBy(driver::close).as("the edge case is still buffered: the commit at close tries it again")
                .hasRootCauseInstanceOf(ConnectException.class);
    }

    /**
     * Regression (fault test 7): every failed insert threw, so an outage of the database failed and
     * replaced the stream thread in a tight loop. Now the processor waits and retries the record.
     */
    @Test
    void aDatabaseThatFailsForAWhileIsWaitedOutAndTheEdgeCaseStored() {
        AtomicInteger refusals = new AtomicInteger(3);
        DataSource flaky = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && refusals.getAndDecrement() > 0) {
                        throw new SQLException("Connection to localhost refused (test)", "08001");
                    }
                    try {
                        return method.invoke(dataSource, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        try (TopologyTestDriver driver = driver(new TaskStore(flaky), QUICK_RETRY)) {
            input(driver).pipeInput("frame-4", EdgeCases.edgeCase("frame-4", 0.5));

            assertThat(new TaskQueue(dataSource).stats().pending()).isEqualTo(1);
            assertThat(total(driver, "database-retries-total")).isEqualTo(3.0);
            assertThat(total(driver, "inserted-total")).isEqualTo(1.0);
        }
    }

    /**
     * Issue 6: offsets are committed only after the rows are durable. With a batch that neither
     * fills nor times out, only the commit that follows every record in the driver writes it; the
     * write must come before the producer's transaction, which carries the offsets, commits. Regression
     * guard for Kafka Streams 4.x, where a store's {@code commit()} runs after the offsets are
     * committed: a buffer written there left an offset committed for an edge case only in memory.
     */
    @Test
    void aBufferedEdgeCaseIsWrittenBeforeItsOffsetIsCommitted() throws Exception {
        List<Long> commitsBeforeEachWrite = new ArrayList<>();
        AtomicReference<MockProducer<byte[], byte[]>> producer = new AtomicReference<>();
        DataSource watched = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        commitsBeforeEachWrite.add(producer.get().commitCount());
                    }
                    try {
                        return method.invoke(dataSource, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Properties exactlyOnce = new Properties();
        exactlyOnce.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);

        try (TopologyTestDriver driver = driver(new TaskStore(watched), SinkRetryConfig.defaults(), UNHURRIED,
                exactlyOnce)) {
            producer.set(driverProducer(driver));
            TestInputTopic<String, EdgeCase> edgeCases = input(driver);
            edgeCases.pipeInput("frame-5", EdgeCases.edgeCase("frame-5", 0.5));
            edgeCases.pipeInput("frame-6", EdgeCases.edgeCase("frame-6", 0.5));

            assertThat(producer.get().commitCount()).as("a transaction committed after each record").isEqualTo(2);
            assertThat(commitsBeforeEachWrite).as("transactions already committed when each batch was written")
                    .containsExactly(0L, 1L);
            assertThat(new TaskQueue(dataSource).stats().pending()).isEqualTo(2);
            assertThat(total(driver, "batches-total")).isEqualTo(2.0);
        }
    }

    /** The driver's producer, whose transactions carry the offset commits under exactly-once. */
    @SuppressWarnings("unchecked")
    private static MockProducer<byte[], byte[]> driverProducer(TopologyTestDriver driver) throws Exception {
        Field field = TopologyTestDriver.class.getDeclaredField("producer");
        field.setAccessible(true);
        return (MockProducer<byte[], byte[]>) field.get(driver);
    }

    /** Batches that neither fill nor time out during a test: only a commit writes them. */
    private static final SinkBatchConfig UNHURRIED = new SinkBatchConfig(500, Duration.ofSeconds(10));

    /** 10, 20, 40, 40 ms ... for at most 200 ms: the real backoff, scaled down. */
    private static final SinkRetryConfig QUICK_RETRY =
            new SinkRetryConfig(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofMillis(200));

    private static TopologyTestDriver driver(TaskStore store) {
        return driver(store, SinkRetryConfig.defaults());
    }

    private static TopologyTestDriver driver(TaskStore store, SinkRetryConfig retry) {
        return driver(store, retry, SinkBatchConfig.defaults());
    }

    private static TopologyTestDriver driver(TaskStore store, SinkRetryConfig retry, SinkBatchConfig batching) {
        return driver(store, retry, batching, new Properties());
    }

    private static TopologyTestDriver driver(TaskStore store, SinkRetryConfig retry, SinkBatchConfig batching,
                                             Properties overrides) {
        StreamsBuilder builder = new StreamsBuilder();
        TaskSinkTopology.build(builder, store, retry, batching);
        Properties props = new Properties();
        props.putAll(overrides);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, TaskSinkTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return new TopologyTestDriver(builder.build(), props);
    }

    private static TestInputTopic<String, EdgeCase> input(TopologyTestDriver driver) {
        return driver.createInputTopic(Topics.EDGE_CASES.name(),
                Topics.EDGE_CASES.keySerde().serializer(), Topics.EDGE_CASES.valueSerde().serializer());
    }

    private static TestOutputTopic<byte[], byte[]> dlq(TopologyTestDriver driver) {
        return driver.createOutputTopic(Topics.FRAMES_DLQ.name(),
                Topics.FRAMES_DLQ.keySerde().deserializer(), Topics.FRAMES_DLQ.valueSerde().deserializer());
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        assertThat(record.headers().lastHeader(name)).as("header " + name).isNotNull();
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static double total(TopologyTestDriver driver, String name) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals(TaskSinkTopology.METRICS_GROUP))
                .filter(e -> e.getKey().name().equals(name))
                .map(Map.Entry::getValue)
                .map(Metric::metricValue)
                .mapToDouble(v -> ((Number) v).doubleValue())
                .sum();
    }
}
