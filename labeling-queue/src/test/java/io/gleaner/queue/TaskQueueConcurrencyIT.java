package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
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

    private static final int WORKER_TASKS = 2_400;
    private static final int WORKERS = 16;

    /** Claim then submit, as labelers do, 16 at once: every task labeled exactly once, by the one that claimed it. */
    @Test
    void sixteenWorkersClaimingAndSubmittingLabelEveryTaskExactlyOnce(DataSource embedded) throws Exception {
        try (HikariDataSource dataSource = pooled(embedded, WORKERS)) {
            TaskStore store = new TaskStore(dataSource);
            TaskQueue queue = new TaskQueue(dataSource);
            for (int i = 0; i < WORKER_TASKS; i++) {
                store.insert(EdgeCases.edgeCase("frame-" + i, i % 11));
            }
            List<Long> all = race(WORKERS, queue, 1);

            assertThat(all).doesNotHaveDuplicates().hasSize(WORKER_TASKS);
            assertThat(attemptsOtherThanOne(dataSource)).as("tasks leased more than once").isZero();
            assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, WORKER_TASKS, 0, WORKER_TASKS));
            assertThat(new SqlProbe(dataSource).longValue("""
                    SELECT count(*) FROM labels l JOIN edge_case_tasks t ON t.task_id = l.task_id
                    WHERE t.state <> 'labeled' OR NOT l.completes_task"""))
                    .as("labels on unlabeled tasks, or not completing them").isZero();
            assertThat(queue.claimBatching().largest()).as("claims that ran in one batch, at most").isGreaterThan(1);
            assertThat(queue.submitBatching().largest()).as("submits that ran in one batch, at most").isGreaterThan(1);
        }
    }

    /** A pool, as {@code gleaner serve} uses: a fresh connection per call would measure PostgreSQL's fork, not the queue. */
    private static HikariDataSource pooled(DataSource embedded, int size) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(embedded);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    /**
     * The retraining feed pages by label id while 16 workers submit: whatever the interleaving of
     * their commits, a reader that moves its watermark to the last id it saw misses no label.
     */
    @Test
    void aFeedReaderPagingDuringRacingSubmitsMissesNoLabel(DataSource embedded) throws Exception {
        try (HikariDataSource dataSource = pooled(embedded, WORKERS + 2)) {
            TaskStore store = new TaskStore(dataSource);
            TaskQueue queue = new TaskQueue(dataSource);
            int tasks = 1_500;
            for (int i = 0; i < tasks; i++) {
                store.insert(EdgeCases.edgeCase("frame-" + i, i % 3));
            }
            AtomicBoolean done = new AtomicBoolean();
            List<Long> seen = new ArrayList<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                long watermark = 0;
                while (!done.get() || watermark < tasks) {
                    for (LabeledExample example : queue.labeledAfter(watermark, 37)) {
                        seen.add(example.labelId());
                        watermark = example.labelId();
                    }
                }
            });
            race(WORKERS, queue, 1);
            done.set(true);
            reader.get(60, TimeUnit.SECONDS);

            assertThat(seen).doesNotHaveDuplicates().hasSize(tasks)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, tasks).boxed().toList());
        }
    }

    /** With 2 of 2 required, racing labelers give every task two labels, from two different people. */
    @Test
    void racingLabelersUnderConsensusLabelEachTaskByTwoDifferentPeople(DataSource embedded) throws Exception {
        try (HikariDataSource dataSource = pooled(embedded, CLAIMERS)) {
            raceUnderConsensus(dataSource);
        }
    }

    private static void raceUnderConsensus(DataSource dataSource) throws Exception {
        TaskStore store = new TaskStore(dataSource);
        TaskQueue queue = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 2));
        int tasks = 400;
        for (int i = 0; i < tasks; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i % 5));
        }
        List<Long> labeledTaskIds = race(CLAIMERS, queue, 2);

        SqlProbe db = new SqlProbe(dataSource);
        assertThat(labeledTaskIds).hasSize(2 * tasks);
        assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, tasks, 0, 2L * tasks));
        assertThat(db.longValue("SELECT count(*) FROM (SELECT task_id FROM labels GROUP BY task_id"
                + " HAVING count(DISTINCT labeler_id) <> 2 OR count(*) FILTER (WHERE completes_task) <> 1) odd"))
                .as("tasks without exactly two labelers and one completing label").isZero();
    }

    /**
     * {@code workers} labelers, each registered, claim {@code batch} tasks at a time and submit
     * the same label for each until no task is pending or leased; returns every task id submitted.
     */
    private static List<Long> race(int workers, TaskQueue queue, int batch) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<List<Long>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < workers; t++) {
                String labeler = "worker-" + t;
                queue.ensureLabeler(labeler, "labeler");
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> mine = new ArrayList<>();
                    while (true) {
                        List<Task> claimed = queue.claim(labeler, batch, Duration.ofMinutes(5));
                        for (Task task : claimed) {
                            queue.submitLabel(task.taskId(), labeler, new Label("debris", 0f, -1f));
                            mine.add(task.taskId());
                        }
                        // Nothing for this labeler now is not the end under consensus: a task it
                        // labeled may still be leased to, or wait for, someone else.
                        if (claimed.isEmpty() && queue.stats().pending() + queue.stats().leased() == 0) {
                            return mine;
                        }
                    }
                }));
            }
            start.countDown();
            List<Long> all = new ArrayList<>();
            int busy = 0;
            for (Future<List<Long>> result : results) {
                List<Long> mine = result.get(120, TimeUnit.SECONDS);
                busy += mine.isEmpty() ? 0 : 1;
                all.addAll(mine);
            }
            assertThat(busy).as("workers that labeled something (a race needs at least two)").isGreaterThanOrEqualTo(2);
            return all;
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
