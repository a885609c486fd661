package io.gleaner.app.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.app.ConnectionOptions;
import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.queue.CoalescerStats;
import io.gleaner.queue.ConsensusConfig;
import io.gleaner.queue.Label;
import io.gleaner.queue.SinkBatchConfig;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskConflictException;
import io.gleaner.queue.TaskQueue;
import io.gleaner.schema.Migrations;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner bench queue}: claim+submit pairs per second through {@link TaskQueue} on
 * PostgreSQL, with N concurrent clients (threads, each its own labeler, on a pool of connections)
 * that each claim one task and submit a label for it, for a fixed time, after untimed rounds that
 * let the JIT compiler finish ({@link JitWarmUp}: cold, C2 took 44% of the bench JVM's CPU 15 s
 * in). The queue batches the clients' concurrent calls as {@code serve}'s does
 * ({@code --batch-slots}). A feeder inserts tasks in bulk so the queue never runs dry. A third of
 * the way in, one more client claims 100 tasks with a short lease and stops without releasing
 * them, as a killed client would; the bench checks that all of them are claimed again, and none
 * before the lease ran out.
 *
 * <p>Counted: a double claim is a task leased twice outside that abandonment (seen by the clients,
 * and by the database's {@code attempts}); a lost task is one that ends neither labeled nor
 * claimable, or an acknowledged submit without its label row. Both must be 0; the exit code is 1
 * otherwise.
 *
 * <p>It works in a schema of its own ({@code gleaner_bench_<random>}), migrated on start and
 * dropped at the end, so it never touches the queue in the database it is pointed at.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "Claim+submit pairs/s on PostgreSQL with concurrent clients; double claims and lost tasks must be 0.")
public final class QueueBenchmark implements Callable<Integer> {
    private static final Label LABEL = new Label("clear_road", 0.0f, 0.25f);
    private static final int SEED_TASKS = 40_000;
    private static final int REFILL_BELOW = 30_000;
    private static final int REFILL_BATCH = 20_000;
    private static final Duration CLIENT_LEASE = Duration.ofMinutes(5);
    private static final String KILLED_CLIENT = "bench-killed";

    static final String SEED = """
            INSERT INTO edge_case_tasks (frame_id, vehicle_id, capture_time, image_encoding, image_width,
                image_height, image_bytes, human_steering, human_accel, model_version, scene_probabilities,
                predicted_steering, predicted_accel, triggers, priority, harvested_at)
            SELECT 'bench-' || g, 'vehicle-' || (g % 8), now(), 'IMAGE_ENCODING_PNG', 64, 64, ?, 0.1, 0.2, '1',
                   '{"clear_road": 0.6, "debris": 0.4}', -0.1, 0.3,
                   '[{"name": "entropy", "score": 0.9, "threshold": 0.5}]', random(), now()
            FROM generate_series(?::bigint, ?::bigint) g
            """;

    @Spec CommandSpec spec;

    @Mixin ConnectionOptions connection;

    @Option(names = "--embedded", description = "Run on an embedded PostgreSQL started for the bench instead of --db-url.")
    boolean embedded;

    @Option(names = "--duration-seconds", defaultValue = "60", description = "How long the clients run (default ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--clients", defaultValue = "32", description = "Concurrent clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--abandoned-leases", defaultValue = "100",
            description = "Leases the killed client holds, 1 .. " + TaskQueue.MAX_CLAIM + " (default ${DEFAULT-VALUE}).")
    int abandonedLeases;

    @Option(names = "--abandoned-lease-seconds", defaultValue = "5",
            description = "Lease of the killed client's tasks (default ${DEFAULT-VALUE}).")
    int abandonedLeaseSeconds;

    @Option(names = "--pool-size", defaultValue = "0",
            description = "Database connections the clients share, as a serve process would; 0: one per client"
                    + " plus 3 for the feeder, the killed client and the report (default ${DEFAULT-VALUE}).")
    int poolSize;

    @Option(names = "--warmup-seconds", defaultValue = "5",
            description = "Length of each untimed warm-up round of the clients (default ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--max-warmups", defaultValue = "6",
            description = "Most warm-up rounds before the timed run; they stop once the JIT compiler is quiet"
                    + " during one; 0 times a cold JVM (default ${DEFAULT-VALUE}).")
    int maxWarmups;

    @Option(names = "--batch-slots", defaultValue = "" + TaskQueue.DEFAULT_BATCH_SLOTS,
            description = "Batched claims, and batched submits, running at once; 0 runs every call alone, as"
                    + " without batching (default ${DEFAULT-VALUE}, as gleaner serve).")
    int batchSlots;

    @Option(names = "--image-bytes", defaultValue = "4096",
            description = "Bytes of image per task, returned by every claim (default ${DEFAULT-VALUE}).")
    int imageBytes;

    /** Per-client latencies in nanoseconds, appended by one thread, read after it stopped. */
    private static final class Latencies {
        private long[] values = new long[1024];
        private int size;

        void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        static long[] merged(List<Latencies> all) {
            long[] merged = new long[all.stream().mapToInt(l -> l.size).sum()];
            int at = 0;
            for (Latencies l : all) {
                System.arraycopy(l.values, 0, merged, at, l.size);
                at += l.size;
            }
            Arrays.sort(merged);
            return merged;
        }

        static double percentileMs(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    /** One client's tallies. */
    private static final class Client {
        final Latencies claim = new Latencies();
        final Latencies submit = new Latencies();
        final Latencies pair = new Latencies();
        long emptyClaims;
        long conflicts;
    }

    /** What the clients saw, shared between them. */
    private static final class Ledger {
        /** When each task's first claim returned, in this JVM's nanoTime. */
        final Map<Long, Long> firstClaimedAtNanos = new ConcurrentHashMap<>();
        final Map<Long, Long> reclaimedAtNanos = new ConcurrentHashMap<>();
        final Set<Long> abandoned = ConcurrentHashMap.newKeySet();
        final LongAdder doubleClaims = new LongAdder();
        final LongAdder reclaimedEarly = new LongAdder();
        final LongAdder submitted = new LongAdder();
        final AtomicLong inserted = new AtomicLong();
        volatile long abandonedExpiryNanos = Long.MAX_VALUE;
        volatile long abandonedAtNanos;
    }

    @Override
    public Integer call() throws Exception {
        requireRange(durationSeconds, 1, 3600, "--duration-seconds");
        requireRange(clients, 1, 512, "--clients");
        requireRange(abandonedLeases, 1, TaskQueue.MAX_CLAIM, "--abandoned-leases");
        requireRange(abandonedLeaseSeconds, 1, Math.max(1, durationSeconds / 2), "--abandoned-lease-seconds (at most half the duration)");
        requireRange(imageBytes, 1, 1 << 20, "--image-bytes");
        requireRange(poolSize, 0, 512, "--pool-size");
        requireRange(batchSlots, 0, TaskQueue.MAX_BATCH_SLOTS, "--batch-slots");
        requireRange(warmupSeconds, 1, 600, "--warmup-seconds");
        requireRange(maxWarmups, 0, 50, "--max-warmups");
        PrintWriter out = spec.commandLine().getOut();
        if (embedded) {
            Path dir = Files.createTempDirectory("gleaner-bench-queue-");
            try (EmbeddedDatabase database = EmbeddedDatabase.start(dir)) {
                return runIn(database.endpoint(), "embedded PostgreSQL (zonky binaries, this machine)", out);
            } finally {
                deleteQuietly(dir);
            }
        }
        return runIn(connection.database(), connection.database().jdbcUrl(), out);
    }

    private int runIn(DatabaseEndpoint database, String where, PrintWriter out) throws Exception {
        String schema = "gleaner_bench_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
        try (Connection admin = database.dataSource().getConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try (HikariDataSource pool = pool(database, schema, connections())) {
            Migrations.migrate(pool);
            return measure(pool, where, schema, out);
        } finally {
            try (Connection admin = database.dataSource().getConnection(); Statement st = admin.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    /**
     * CPU time of this JVM (clients, pool, feeder) and, where {@code /proc/stat} says, of the whole
     * machine: the difference is the database's when it runs on this machine and nothing else does.
     */
    private record CpuUse(long processNanos, OptionalLong machineNanos) {
        static CpuUse now() {
            return new CpuUse(CpuTimes.processNanos(), CpuTimes.machineBusyNanos());
        }

        CpuUse since(CpuUse earlier) {
            return new CpuUse(processNanos - earlier.processNanos,
                    machineNanos.isPresent() && earlier.machineNanos.isPresent()
                            ? OptionalLong.of(machineNanos.getAsLong() - earlier.machineNanos.getAsLong())
                            : OptionalLong.empty());
        }

        String perPair(long pairs) {
            double jvm = processNanos / 1e6 / Math.max(1, pairs);
            if (machineNanos.isEmpty()) {
                return String.format(Locale.ROOT, "CPU per pair: this JVM %.2f ms (no /proc/stat: the rest of the"
                        + " machine not measured)", jvm);
            }
            double rest = Math.max(0, machineNanos.getAsLong() - processNanos) / 1e6 / Math.max(1, pairs);
            return String.format(Locale.ROOT, "CPU per pair: this JVM %.2f ms, the rest of the machine %.2f ms (the"
                    + " database's backends, when it runs here and nothing else does)", jvm, rest);
        }
    }

    private int connections() {
        return poolSize > 0 ? poolSize : clients + 3;
    }

    private int measure(HikariDataSource pool, String where, String schema, PrintWriter out) throws Exception {
        TaskQueue queue = new TaskQueue(pool, ConsensusConfig.defaults(), batchSlots);
        for (int i = 0; i < clients; i++) {
            queue.ensureLabeler("bench-" + i, "labeler");
        }
        queue.ensureLabeler(KILLED_CLIENT, "labeler");
        Ledger ledger = new Ledger();
        byte[] image = new byte[imageBytes];
        new SecureRandom().nextBytes(image);
        seed(pool, ledger, image, SEED_TASKS);

        out.printf(Locale.ROOT, "device:     %s, %d cores, %s %s; %s%n", IngestBenchmark.cpuModel(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), databaseSettings(pool));
        out.printf(Locale.ROOT, "conditions: %s, schema %s (dropped after); %d clients, each claim(1) then submit, for %d s"
                        + " after up to %d untimed rounds of %d s that end once the JIT compiler is quiet;"
                        + " pool of %d connections; %s; %d-byte images; feeder inserts %d tasks when under %d are"
                        + " left, %d a transaction as the queue sink writes them; at %d s one more client claims"
                        + " %d tasks with a %d s lease and stops%n",
                where, schema, clients, durationSeconds, maxWarmups, warmupSeconds, connections(),
                batchSlots == 0 ? "no batching"
                        : batchSlots + " batch slot" + (batchSlots == 1 ? "" : "s") + " each for claims and submits",
                imageBytes, REFILL_BATCH, REFILL_BELOW,
                SinkBatchConfig.defaults().maxEdgeCases(), durationSeconds / 3, abandonedLeases, abandonedLeaseSeconds);
        out.flush();

        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "bench-feeder"));
        ExecutorService workers = Executors.newFixedThreadPool(clients + 1);
        List<Client> tallies = new ArrayList<>();
        List<Future<?>> running = new ArrayList<>();
        CpuUse cpuAtStart;
        CoalescerStats claimsAtStart;
        CoalescerStats submitsAtStart;
        CoalescerStats claimBatches;
        CoalescerStats submitBatches;
        CpuUse cpu;
        long startedNanos;
        long elapsedNanos;
        try {
            feeder.scheduleWithFixedDelay(() -> {
                if (ledger.inserted.get() - ledger.submitted.sum() < REFILL_BELOW) {
                    seed(pool, ledger, image, REFILL_BATCH);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            if (maxWarmups > 0) {
                JitWarmUp.untilQuiet("clients", maxWarmups, line -> {
                    out.println(line);
                    out.flush();
                }, () -> {
                    long warmupStart = System.nanoTime();
                    List<Future<?>> warming = startClients(queue, ledger, workers, new ArrayList<>(),
                            warmupStart + TimeUnit.SECONDS.toNanos(warmupSeconds));
                    for (Future<?> client : warming) {
                        client.get();
                    }
                    return System.nanoTime() - warmupStart;
                });
            }
            claimsAtStart = queue.claimBatching();
            submitsAtStart = queue.submitBatching();
            cpuAtStart = CpuUse.now();
            startedNanos = System.nanoTime();
            running.addAll(startClients(queue, ledger, workers, tallies,
                    startedNanos + TimeUnit.SECONDS.toNanos(durationSeconds)));
            Future<?> killed = workers.submit(() -> {
                awaitNanos(startedNanos + TimeUnit.SECONDS.toNanos(durationSeconds) / 3);
                abandon(queue, ledger);
                return null;
            });
            for (Future<?> client : running) {
                client.get();
            }
            elapsedNanos = System.nanoTime() - startedNanos;
            claimBatches = queue.claimBatching().since(claimsAtStart);
            submitBatches = queue.submitBatching().since(submitsAtStart);
            cpu = CpuUse.now().since(cpuAtStart);
            killed.get();
        } finally {
            feeder.shutdownNow();
            workers.shutdownNow();
            feeder.awaitTermination(30, TimeUnit.SECONDS);
        }
        // Let the abandoned leases lapse, so that every task not labeled is claimable again.
        awaitNanos(ledger.abandonedExpiryNanos + TimeUnit.MILLISECONDS.toNanos(200));
        return report(pool, ledger, tallies, elapsedNanos, startedNanos, cpu, claimBatches, submitBatches, out);
    }

    /** Starts every client together, each adding its tally to {@code tallies}; they stop at {@code deadline}. */
    private List<Future<?>> startClients(TaskQueue queue, Ledger ledger, ExecutorService workers, List<Client> tallies,
                                         long deadline) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Client tally = new Client();
            tallies.add(tally);
            String labeler = "bench-" + i;
            running.add(workers.submit(() -> {
                start.await();
                work(queue, labeler, tally, ledger, deadline);
                return null;
            }));
        }
        start.countDown();
        return running;
    }

    private static void work(TaskQueue queue, String labeler, Client tally, Ledger ledger, long deadline) {
        while (System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            List<Task> claimed = queue.claim(labeler, 1, CLIENT_LEASE);
            long t1 = System.nanoTime();
            if (claimed.isEmpty()) {
                tally.emptyClaims++;
                continue;
            }
            long taskId = claimed.get(0).taskId();
            Long before = ledger.firstClaimedAtNanos.putIfAbsent(taskId, t1);
            if (before != null) {
                boolean abandonedOne = ledger.abandoned.contains(taskId);
                if (abandonedOne && t1 < ledger.abandonedExpiryNanos) {
                    ledger.reclaimedEarly.increment();
                    ledger.doubleClaims.increment();
                } else if (!abandonedOne || ledger.reclaimedAtNanos.putIfAbsent(taskId, t1) != null) {
                    ledger.doubleClaims.increment();
                }
            }
            try {
                queue.submitLabel(taskId, labeler, LABEL);
                ledger.submitted.increment();
            } catch (TaskConflictException conflict) {
                tally.conflicts++;
                continue;
            }
            long t2 = System.nanoTime();
            tally.claim.add(t1 - t0);
            tally.submit.add(t2 - t1);
            tally.pair.add(t2 - t0);
        }
    }

    /** The killed client: claims its tasks with a short lease, records them, and never comes back. */
    private void abandon(TaskQueue queue, Ledger ledger) {
        List<Task> claimed = queue.claim(KILLED_CLIENT, abandonedLeases, Duration.ofSeconds(abandonedLeaseSeconds));
        long nanos = System.nanoTime();
        Instant now = Instant.now();
        Instant expiry = claimed.isEmpty() ? now : claimed.get(0).leaseExpiresAt();
        // The database's clock set the expiry; map it onto this JVM's nanoTime through the wall clock.
        ledger.abandonedAtNanos = nanos;
        ledger.abandonedExpiryNanos = nanos + Duration.between(now, expiry).toNanos();
        for (Task task : claimed) {
            ledger.abandoned.add(task.taskId());
            Long first = ledger.firstClaimedAtNanos.putIfAbsent(task.taskId(), nanos);
            if (first != null) {
                // A client got it before this line: right only if the lease had lapsed by then. On a
                // loaded machine a claim of 100 tasks can outlast a short lease, which runs from the
                // claim's start.
                if (first < ledger.abandonedExpiryNanos
                        || ledger.reclaimedAtNanos.putIfAbsent(task.taskId(), first) != null) {
                    ledger.doubleClaims.increment();
                }
            }
        }
    }

    private int report(HikariDataSource pool, Ledger ledger, List<Client> tallies, long elapsedNanos,
                       long startedNanos, CpuUse cpu, CoalescerStats claimBatches, CoalescerStats submitBatches,
                       PrintWriter out) throws SQLException {
        long[] pairs = Latencies.merged(tallies.stream().map(t -> t.pair).toList());
        long[] claims = Latencies.merged(tallies.stream().map(t -> t.claim).toList());
        long[] submits = Latencies.merged(tallies.stream().map(t -> t.submit).toList());
        double seconds = elapsedNanos / 1e9;
        double pairsPerSecond = pairs.length / seconds;
        long empty = tallies.stream().mapToLong(t -> t.emptyClaims).sum();
        long conflicts = tallies.stream().mapToLong(t -> t.conflicts).sum();

        Long[] abandonedIds = ledger.abandoned.toArray(new Long[0]);
        long leasedTwiceInDatabase;
        long labeled;
        long claimable;
        long labels;
        long abandonedBack;
        try (Connection c = pool.getConnection()) {
            Array ids = c.createArrayOf("bigint", abandonedIds);
            leasedTwiceInDatabase = count(c, "SELECT count(*) FROM edge_case_tasks WHERE attempts > 1"
                    + " AND NOT (task_id = ANY (?))", ids);
            labeled = count(c, "SELECT count(*) FROM edge_case_tasks WHERE state = 'labeled'");
            claimable = count(c, "SELECT count(*) FROM edge_case_tasks WHERE state = 'pending'"
                    + " OR (state = 'leased' AND lease_expires_at <= now())");
            labels = count(c, "SELECT count(*) FROM labels");
            abandonedBack = count(c, "SELECT count(*) FROM edge_case_tasks WHERE task_id = ANY (?) AND"
                    + " (state = 'pending' OR (state = 'leased' AND lease_expires_at <= now())"
                    + " OR (state = 'labeled' AND NOT EXISTS (SELECT 1 FROM labels l"
                    + "     WHERE l.task_id = edge_case_tasks.task_id AND l.labeler_id = ?)))", ids, KILLED_CLIENT);
        }
        long inserted = ledger.inserted.get();
        long lost = (inserted - labeled - claimable) + Math.abs(ledger.submitted.sum() - labels);
        long doubleClaims = Math.max(ledger.doubleClaims.sum(), leasedTwiceInDatabase);
        long reclaimed = ledger.reclaimedAtNanos.size();
        double lastBackAfterLapse = ledger.reclaimedAtNanos.values().stream().mapToLong(Long::longValue).max()
                .orElse(ledger.abandonedExpiryNanos) / 1e9 - ledger.abandonedExpiryNanos / 1e9;

        out.println();
        out.printf(Locale.ROOT, "%-14s %10s %10s %9s %9s%n", "", "count", "per s", "p50 ms", "p99 ms");
        row(out, "claim+submit", pairs, seconds);
        row(out, "claim", claims, seconds);
        row(out, "submit", submits, seconds);
        out.printf(Locale.ROOT, "empty claims %d, lease conflicts %d, tasks inserted %d%n", empty, conflicts, inserted);
        out.printf(Locale.ROOT, "killed client: claimed %d at t=%.1f s with a %d s lease and stopped; after the lapse"
                        + " %d/%d were claimable or labeled by others, %d claimed again during the run (the last"
                        + " %.2f s after the lapse), %d claimed before it lapsed%n",
                abandonedIds.length, (ledger.abandonedAtNanos - startedNanos) / 1e9, abandonedLeaseSeconds,
                abandonedBack, abandonedIds.length, reclaimed, Math.max(0, lastBackAfterLapse),
                ledger.reclaimedEarly.sum());
        out.printf(Locale.ROOT, "double claims %d (clients saw %d, database attempts > 1: %d); lost %d (inserted %d ="
                        + " labeled %d + claimable %d; acknowledged submits %d, label rows %d)%n",
                doubleClaims, ledger.doubleClaims.sum(), leasedTwiceInDatabase, lost, inserted, labeled, claimable,
                ledger.submitted.sum(), labels);
        if (batchSlots == 0) {
            out.println("batching: off (--batch-slots 0), every claim and submit ran alone");
        } else {
            out.printf(Locale.ROOT, "batching: claims %s; submits %s%n", batching(claimBatches), batching(submitBatches));
        }
        out.println(cpu.perPair(pairs.length));
        out.printf(Locale.ROOT, "RESULT bench-queue pairs_per_s=%.0f p99_ms=%.2f double_claims=%d lost=%d%n",
                pairsPerSecond, Latencies.percentileMs(pairs, 99), doubleClaims, lost);
        out.flush();
        boolean allBack = abandonedBack == abandonedIds.length && abandonedIds.length == abandonedLeases;
        return doubleClaims == 0 && lost == 0 && allBack ? 0 : 1;
    }

    private static String batching(CoalescerStats stats) {
        return String.format(Locale.ROOT, "%d in %d transactions (mean %.1f, largest %d since the start)",
                stats.requests(), stats.batches(), stats.meanBatch(), stats.largest());
    }

    private static void row(PrintWriter out, String name, long[] sorted, double seconds) {
        out.printf(Locale.ROOT, "%-14s %10d %10.0f %9.2f %9.2f%n", name, sorted.length, sorted.length / seconds,
                Latencies.percentileMs(sorted, 50), Latencies.percentileMs(sorted, 99));
    }

    /**
     * Inserts {@code count} tasks in transactions of the queue sink's default batch size, as the sink
     * does. One statement for all of them would hold one transaction open for seconds, and while it
     * runs PostgreSQL can neither prune the task rows that claims update nor mark their index entries
     * dead, so every claim walks past all of them: the claims' cost grows with the refill's length.
     */
    private static void seed(HikariDataSource pool, Ledger ledger, byte[] image, int count) {
        int perTransaction = SinkBatchConfig.defaults().maxEdgeCases();
        try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(SEED)) {
            for (int done = 0; done < count; done += perTransaction) {
                long from = ledger.inserted.get() + 1;
                st.setBytes(1, image);
                st.setLong(2, from);
                st.setLong(3, from + Math.min(perTransaction, count - done) - 1);
                ledger.inserted.addAndGet(st.executeUpdate());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("bench could not insert " + count + " tasks: " + e.getMessage(), e);
        }
    }

    private static String databaseSettings(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT split_part(version(), ' ', 2), current_setting('fsync'),"
                     + " current_setting('synchronous_commit'), current_setting('wal_sync_method'),"
                     + " current_setting('shared_buffers')")) {
            rs.next();
            return String.format(Locale.ROOT, "PostgreSQL %s, fsync %s, synchronous_commit %s, wal_sync_method %s,"
                    + " shared_buffers %s", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
        }
    }

    private static long count(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static HikariDataSource pool(DatabaseEndpoint database, String schema, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("gleaner-bench-queue");
        String url = database.jdbcUrl();
        config.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        if (!database.user().isEmpty()) {
            config.setUsername(database.user());
        }
        if (!database.password().isEmpty()) {
            config.setPassword(database.password());
        }
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        return new HikariDataSource(config);
    }

    /** Waits until {@code System.nanoTime()} reaches {@code target}; the bench's only clock. */
    private static void awaitNanos(long target) throws InterruptedException {
        long left;
        while ((left = target - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
    }

    private static void requireRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be " + min + " .. " + max);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is harmless; the figures are what matter.
        }
    }
}
