package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.queue.QueueStats;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.Migrations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault test 4: 16 workers race for the same 10,000 tasks on the real PostgreSQL, each claiming in
 * batches of its own size (1 .. 7) through its own pooled connection until nothing is claimable:
 * every task is claimed exactly once (no task in two workers' hands, none left over, each leased
 * once). The short form runs one race (about 8 s of racing here), the long form five, each on
 * 10,000 fresh tasks, for more interleavings. {@code TaskQueueConcurrencyIT} in
 * {@code labeling-queue} races claim-then-submit at a fixed, smaller size; this is the claim race
 * alone, at the size.
 */
@ExtendWith(GleanerInfrastructure.class)
class ClaimRaceFaultIT {
    private static final int TASKS = 10_000;
    private static final int ROUNDS = FaultScale.pick(1, 5);
    private static final int WORKERS = 16;
    private static final Duration RACE_TIMEOUT = Duration.ofMinutes(5);

    private final DataSource database;

    ClaimRaceFaultIT(Infrastructure infrastructure) {
        this.database = infrastructure.database().dataSource();
    }

    @Test
    void sixteenWorkersRacingForTheSameTasksClaimEachExactlyOnce() throws Exception {
        Migrations.migrate(database);
        try (HikariDataSource pool = pool(database, WORKERS)) {
            TaskQueue queue = new TaskQueue(pool);
            for (int round = 1; round <= ROUNDS; round++) {
                insertTasks(new TaskStore(pool), "claim-race-" + round + "-");

                long started = System.nanoTime();
                List<List<Long>> perWorker = race(queue);
                long raceMs = (System.nanoTime() - started) / 1_000_000;

                List<Long> all = perWorker.stream().flatMap(List::stream).toList();
                long busy = perWorker.stream().filter(claimed -> !claimed.isEmpty()).count();
                long notLeasedOnce = count(pool, "SELECT count(*) FROM edge_case_tasks WHERE attempts <> 1");
                System.out.printf("FAULT claim-race form=%s round=%d/%d tasks=%d workers=%d claimed=%d distinct=%d"
                                + " busy_workers=%d fewest=%d most=%d not_leased_once=%d race_ms=%d tasks_per_s=%d%n",
                        FaultScale.form(), round, ROUNDS, TASKS, WORKERS, all.size(), all.stream().distinct().count(),
                        busy, perWorker.stream().mapToInt(List::size).min().orElse(0),
                        perWorker.stream().mapToInt(List::size).max().orElse(0), notLeasedOnce, raceMs,
                        TASKS * 1000L / Math.max(1, raceMs));

                assertThat(all).as("tasks claimed in round %d, over all workers", round)
                        .doesNotHaveDuplicates().hasSize(TASKS);
                assertThat(busy).as("workers that claimed something (a race needs several)")
                        .isGreaterThanOrEqualTo(8);
                assertThat(notLeasedOnce).as("tasks leased other than once").isZero();
                assertThat(queue.stats()).isEqualTo(new QueueStats(0, (long) TASKS * round, 0, 0, 0));
            }
        }
    }

    /** Inserts {@link #TASKS} tasks from 4 threads, with priorities that interleave their ids. */
    private static void insertTasks(TaskStore store, String prefix) throws Exception {
        int threads = 4;
        ExecutorService inserters = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                done.add(inserters.submit(() -> IntStream.iterate(first, i -> i < TASKS, i -> i + threads)
                        .forEach(i -> store.insert(TestEdgeCases.edgeCase(prefix + i, "vehicle-" + i % 8,
                                "entropy", (i * 7919) % 1000 / 1000.0)))));
            }
            for (Future<?> insert : done) {
                insert.get(5, TimeUnit.MINUTES);
            }
        } finally {
            inserters.shutdownNow();
        }
    }

    /** Each worker claims with its own batch size until nothing is claimable; returns each one's task ids. */
    private static List<List<Long>> race(TaskQueue queue) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                String worker = "worker-" + w;
                int batch = 1 + w % 7;
                Callable<List<Long>> claimUntilEmpty = () -> {
                    start.await();
                    List<Long> mine = new ArrayList<>();
                    List<Task> claimed;
                    while (!(claimed = queue.claim(worker, batch, Duration.ofMinutes(30))).isEmpty()) {
                        claimed.forEach(task -> mine.add(task.taskId()));
                    }
                    return mine;
                };
                results.add(workers.submit(claimUntilEmpty));
            }
            start.countDown();
            List<List<Long>> perWorker = new ArrayList<>();
            for (Future<List<Long>> result : results) {
                perWorker.add(result.get(RACE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            }
            return perWorker;
        } finally {
            workers.shutdownNow();
        }
    }

    /** A pool, as {@code gleaner serve} uses: one connection per worker, none opened per claim. */
    private static HikariDataSource pool(DataSource database, int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(database);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    private static long count(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql);
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
