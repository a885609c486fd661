package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Edge cases per second into the queue, side by side in one run: the sink as it was (one
 * transaction per edge case, a new connection for each, as the {@code queue-sink} role had) and
 * batched, each with and without a connection pool, in a {@link ScratchSchema}.
 *
 * <p>Ends with {@code RESULT sink-throughput ...}; asserts only what no load can turn around:
 * batches of 500 on a pool beat a transaction and a connection per edge case at least threefold.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskSinkThroughputIT {
    private static final int PER_RECORD_EDGE_CASES = 1_000;
    private static final int BATCHED_EDGE_CASES = 5_000;
    private static final int IMAGE_BYTES = 4_096;
    private static final SinkBatchConfig BATCHES = new SinkBatchConfig(500, Duration.ofSeconds(10));

    @Test
    void batchesOnAPoolWriteEdgeCasesManyTimesFasterThanATransactionPerEdgeCase(DataSource embedded)
            throws SQLException {
        try (ScratchSchema scratch = ScratchSchema.open(embedded, "gleaner_sinkbench_")) {
            HikariConfig config = new HikariConfig();
            config.setDataSource(scratch.dataSource());
            config.setMaximumPoolSize(2);
            measure(scratch.dataSource(), new HikariDataSource(config), scratch.where());
        }
    }

    /** {@code unpooled} makes a new connection per statement, as the {@code queue-sink} role's did. */
    private static void measure(DataSource unpooled, HikariDataSource pool, String where) {
        try (pool) {
            double perRecordNewConnection = perRecord(unpooled, "a-");
            double perRecordPooled = perRecord(pool, "b-");
            double batchedNewConnection = batched(unpooled, "c-");
            double batchedPooled = batched(pool, "d-");
            long tasks = new TaskQueue(pool).stats().pending();
            System.out.printf(Locale.ROOT, "queue sink on %s, %d-byte images: edge cases/s: one transaction each,"
                            + " new connection %.0f, pooled %.0f; batches of %d, new connection %.0f, pooled %.0f%n",
                    where, IMAGE_BYTES, perRecordNewConnection, perRecordPooled, BATCHES.maxEdgeCases(),
                    batchedNewConnection, batchedPooled);
            System.out.printf(Locale.ROOT, "RESULT sink-throughput per_record_new_connection=%.0f per_record_pooled=%.0f"
                            + " batched_new_connection=%.0f batched_pooled=%.0f batch=%d image_bytes=%d%n",
                    perRecordNewConnection, perRecordPooled, batchedNewConnection, batchedPooled,
                    BATCHES.maxEdgeCases(), IMAGE_BYTES);

            assertThat(tasks).as("every edge case of every run is one task")
                    .isEqualTo(2L * PER_RECORD_EDGE_CASES + 2L * BATCHED_EDGE_CASES);
            assertThat(batchedPooled).isGreaterThan(3 * perRecordNewConnection);
        }
    }

    /** The sink before batching: {@link TaskStore#insert} per edge case, in its own transaction. */
    private static double perRecord(DataSource dataSource, String prefix) {
        TaskStore store = new TaskStore(dataSource);
        List<EdgeCase> edgeCases = edgeCases(prefix, PER_RECORD_EDGE_CASES);
        long start = System.nanoTime();
        edgeCases.forEach(store::insert);
        return perSecond(edgeCases.size(), start);
    }

    /** The sink's processor as Streams runs it, its buffer flushed once more at the end as a commit would. */
    private static double batched(DataSource dataSource, String prefix) {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        SinkBuffer<Object> buffer = SinkBuffer.<Object>builder(TaskSinkTopology.BUFFER_NAME).build();
        buffer.init(context.getStateStoreContext(), buffer);
        context.addStateStore(buffer);
        TaskSinkTopology.InsertTasks sink =
                new TaskSinkTopology.InsertTasks(new TaskStore(dataSource), SinkRetryConfig.defaults(), BATCHES);
        sink.init(context);
        List<EdgeCase> edgeCases = edgeCases(prefix, BATCHED_EDGE_CASES);
        long start = System.nanoTime();
        long offset = 0;
        for (EdgeCase edgeCase : edgeCases) {
            context.setRecordMetadata(Topics.EDGE_CASES.name(), 0, offset++);
            sink.process(new Record<>(edgeCase.getScored().getFrame().getFrameId(), edgeCase, 0L));
        }
        buffer.flushCache();
        return perSecond(edgeCases.size(), start);
    }

    private static List<EdgeCase> edgeCases(String prefix, int count) {
        Random random = new Random(42);
        return IntStream.range(0, count).mapToObj(i -> {
            byte[] image = new byte[IMAGE_BYTES];
            random.nextBytes(image);
            EdgeCase edgeCase = EdgeCases.edgeCase(prefix + i, random.nextDouble());
            return edgeCase.toBuilder()
                    .setScored(edgeCase.getScored().toBuilder().setFrame(edgeCase.getScored().getFrame().toBuilder()
                            .setImage(edgeCase.getScored().getFrame().getImage().toBuilder()
                                    .setData(ByteString.copyFrom(image)))))
                    .build();
        }).toList();
    }

    private static double perSecond(int count, long startNanos) {
        return count / ((System.nanoTime() - startNanos) / 1e9);
    }
}
