package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.EmbeddedPostgresExtension;
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
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many real clients racing for the same rows, as riverqueue tests its claims. */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskQueueConcurrencyIT {
    private static final int TASKS = 200;
    private static final int CLAIMERS = 8;
    private static final int BATCH = 3;

    @Test
    void racingClaimersEachGetDistinctTasksAndTogetherGetThemAll(DataSource dataSource) throws Exception {
        TaskStore store = new TaskStore(dataSource);
        TaskQueue queue = new TaskQueue(dataSource);
        for (int i = 0; i < TASKS; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i % 7));
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS);
        List<Future<List<Long>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < CLAIMERS; t++) {
                String labeler = "labeler-" + t;
                Callable<List<Long>> claimUntilEmpty = () -> {
                    start.await();
                    List<Long> mine = new ArrayList<>();
                    List<Task> batch;
                    while (!(batch = queue.claim(labeler, BATCH, Duration.ofMinutes(5))).isEmpty()) {
                        batch.forEach(task -> mine.add(task.taskId()));
                    }
                    return mine;
                };
                results.add(pool.submit(claimUntilEmpty));
            }
            start.countDown();
            List<Long> all = new ArrayList<>();
            List<Integer> perClaimer = new ArrayList<>();
            for (Future<List<Long>> result : results) {
                List<Long> mine = result.get(60, TimeUnit.SECONDS);
                perClaimer.add(mine.size());
                all.addAll(mine);
            }

            assertThat(all).doesNotHaveDuplicates().hasSize(TASKS);
            assertThat(perClaimer.stream().filter(n -> n > 0).count())
                    .as("labelers that got tasks (a race needs at least two)").isGreaterThanOrEqualTo(2);
            assertThat(attemptsOtherThanOne(dataSource)).as("tasks leased more than once").isZero();
            assertThat(queue.stats()).isEqualTo(new QueueStats(0, TASKS, 0, 0, 0));
        } finally {
            pool.shutdownNow();
        }
    }

    private static long attemptsOtherThanOne(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT count(*) FROM edge_case_tasks WHERE attempts <> 1");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
