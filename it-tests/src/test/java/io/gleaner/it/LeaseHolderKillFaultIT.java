package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.queue.QueueStats;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.Migrations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault test 5: a labeling client holding 100 leases, kept alive by heartbeats, is killed with
 * SIGKILL, really: it is a child JVM ({@link LeaseHolder}). Its tasks must not be claimable
 * before their leases run out, must all be claimable again once they have (the queue has no
 * sweeper to wait for: a claim, the stats and the task detail read a lapsed lease as pending at
 * once), and must then be claimed exactly once by racing workers.
 */
@ExtendWith(GleanerInfrastructure.class)
class LeaseHolderKillFaultIT {
    private static final int HELD = 100;
    private static final Duration LEASE = FaultScale.pick(Duration.ofSeconds(6), Duration.ofSeconds(60));
    private static final Duration HEARTBEAT = LEASE.dividedBy(3);
    /** The queue reads lapsed leases at claim time (no sweep), so only polling and clock reads add to the lease. */
    private static final Duration SWEEP = Duration.ZERO;
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration SLACK = Duration.ofSeconds(1);
    /** An observation's clock is read just before its stats, in another statement: this much apart at most. */
    private static final Duration CLOCK_GAP = Duration.ofMillis(500);
    private static final int WORKERS = 16;

    private final DatabaseEndpoint database;
    private final DataSource dataSource;
    private final TaskQueue queue;

    @TempDir
    Path scratch;

    LeaseHolderKillFaultIT(Infrastructure infrastructure) {
        this.database = infrastructure.database();
        this.dataSource = database.dataSource();
        this.queue = new TaskQueue(dataSource);
    }

    @Test
    void theLeasesOfAKilledClientComeBackAfterTheLeaseAndAreClaimedOnce() throws Exception {
        Migrations.migrate(dataSource);
        TaskStore store = new TaskStore(dataSource);
        for (int i = 0; i < HELD; i++) {
            store.insert(TestEdgeCases.edgeCase("lease-kill-" + i, "vehicle-" + i % 4, "entropy", i % 10));
        }

        Process holder = startHolder("doomed-labeler");
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = readLines(holder, lines);
        try {
            String holding = await("the child JVM to claim " + HELD + " tasks (stderr: " + stderr() + ")")
                    .atMost(Duration.ofSeconds(60)).pollInterval(POLL)
                    .until(() -> line(lines, LeaseHolder.HOLDING), l -> l != null || !holder.isAlive());
            assertThat(holding).as("the child's claim (exit %s, stderr: %s)", exitOf(holder), stderr()).isNotNull();
            List<Long> held = Arrays.stream(holding.substring(LeaseHolder.HOLDING.length() + 1).split(","))
                    .map(Long::parseLong).toList();
            assertThat(held).hasSize(HELD).doesNotHaveDuplicates();
            await("a heartbeat round of the child").atMost(HEARTBEAT.multipliedBy(3).plus(SLACK))
                    .pollInterval(POLL).until(() -> line(lines, LeaseHolder.HEARTBEAT) != null);
            assertThat(queue.stats()).as("the child holds every task").isEqualTo(new QueueStats(0, HELD, 0, 0, 0));

            holder.destroyForcibly();
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).as("the child died").isTrue();
            Instant killedAt = databaseNow();
            assertThat(holder.exitValue()).as("exit status 128 + SIGKILL (9)").isEqualTo(137);
            Instant firstExpiry = leaseExpiry("min");
            Instant lastExpiry = leaseExpiry("max");
            assertThat(queue.claim("rival", TaskQueue.MAX_CLAIM, LEASE))
                    .as("tasks a rival can claim while the dead client's leases still run").isEmpty();

            List<Observation> observations = new ArrayList<>();
            await("the dead client's leases to lapse").atMost(Duration.between(killedAt, lastExpiry).plus(LEASE))
                    .pollInterval(POLL).until(() -> {
                        Instant before = databaseNow();
                        QueueStats stats = queue.stats();
                        observations.add(new Observation(before, stats));
                        return stats.pending() == HELD;
                    });
            Observation back = observations.get(observations.size() - 1);
            assertThat(observations).filteredOn(o -> o.at().isBefore(firstExpiry.minus(CLOCK_GAP)))
                    .as("stats before the first lease ran out").allSatisfy(o ->
                            assertThat(o.stats()).isEqualTo(new QueueStats(0, HELD, 0, 0, 0)));
            assertThat(back.at()).as("when all %d were claimable again, against the last lease's end", HELD)
                    .isBeforeOrEqualTo(lastExpiry.plus(SWEEP).plus(POLL).plus(SLACK));
            assertThat(queue.detail(held.get(0)).state()).as("a lapsed lease reads as").isEqualTo("pending");

            List<Long> reclaimed = race();
            long attempts = attemptsOtherThan(2);
            System.out.printf("FAULT lease-holder-kill form=%s held=%d lease_ms=%d heartbeat_ms=%d"
                            + " remaining_lease_at_kill_ms=%d claimable_after_kill_ms=%d over_lease_end_ms=%d"
                            + " reclaimed=%d distinct=%d workers=%d attempts_not_2=%d%n",
                    FaultScale.form(), HELD, LEASE.toMillis(), HEARTBEAT.toMillis(),
                    Duration.between(killedAt, lastExpiry).toMillis(), Duration.between(killedAt, back.at()).toMillis(),
                    Duration.between(lastExpiry, back.at()).toMillis(), reclaimed.size(),
                    reclaimed.stream().distinct().count(), WORKERS, attempts);
            assertThat(reclaimed).as("tasks the racing workers claimed").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(held);
            assertThat(attempts).as("tasks leased other than twice (the dead client, then one worker)").isZero();
        } finally {
            holder.destroyForcibly();
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    private record Observation(Instant at, QueueStats stats) {}

    /** {@value #WORKERS} workers claim in batches of 1 .. 7 at once until nothing is claimable; returns what they got. */
    private List<Long> race() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                String worker = "worker-" + w;
                int batch = 1 + w % 7;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> mine = new ArrayList<>();
                    List<Task> claimed;
                    while (!(claimed = queue.claim(worker, batch, Duration.ofMinutes(5))).isEmpty()) {
                        claimed.forEach(t -> mine.add(t.taskId()));
                    }
                    return mine;
                }));
            }
            start.countDown();
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> result : results) {
                all.addAll(result.get(60, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private Process startHolder(String labeler) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx96m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), LeaseHolder.class.getName(),
                database.jdbcUrl(), database.user(), labeler, Integer.toString(HELD),
                Long.toString(LEASE.toMillis()), Long.toString(HEARTBEAT.toMillis()));
        builder.environment().put(LeaseHolder.PASSWORD_ENV, database.password());
        builder.redirectError(scratch.resolve("holder.stderr").toFile());
        return builder.start();
    }

    private static Thread readLines(Process process, List<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        }, "lease-holder-stdout");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix + " ")).findFirst().orElse(null);
    }

    private static String exitOf(Process process) {
        return process.isAlive() ? "none, alive" : Integer.toString(process.exitValue());
    }

    private String stderr() {
        try {
            Path file = scratch.resolve("holder.stderr");
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    private Instant databaseNow() throws SQLException {
        return instant("SELECT now()");
    }

    private Instant leaseExpiry(String aggregate) throws SQLException {
        return instant("SELECT " + aggregate + "(lease_expires_at) FROM edge_case_tasks WHERE state = 'leased'");
    }

    private Instant instant(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql);
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    private long attemptsOtherThan(int attempts) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM edge_case_tasks WHERE attempts <> ?")) {
            st.setInt(1, attempts);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
