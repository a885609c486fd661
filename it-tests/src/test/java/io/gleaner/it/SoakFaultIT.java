package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.it.PipelineProcesses.Role;
import io.gleaner.schema.Migrations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 8, fault 10: "Soak: 30 minutes of the demo load; heap and native memory drift < 5%". The
 * four pipeline roles run as child JVMs, as in production, so each role's memory is its own and can
 * be read from outside: the heap after a full collection through the child's own MemoryMXBean, the
 * native part as the resident set (/proc) less the committed heap, which is fixed and pre-touched
 * ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}) so that it is resident from the start
 * and every later change of the resident set is native. The load is the demo's: a fleet of
 * simulator frames at a steady pace with a little poison and resends, and the scorer hot-swapping
 * to a new model version every so often, as it does when retrain promotes one.
 *
 * <p>Drift, per role and per measure: the median of the last third of the samples taken after the
 * warm-up, over the median of the first third, minus one. A leak makes it grow with time; the
 * medians keep one slow collection or one burst of frames from deciding it. The figures only mean
 * something while the roles keep up with the fleet (a backlog is memory too), so the lag at the end
 * must be small.
 *
 * <p>Long form ({@code -Pchaos}): 5 minutes of warm-up, then 30 minutes sampled every 30 s; every
 * role's heap and native drift must stay under 5%. Short form: 20 s of warm-up, then 60 s sampled
 * every 5 s; it takes and prints the same samples, drifts and NMT diff, and fails when a role dies,
 * sampling fails or any drift reaches 35%, over twice the most it has read without a leak. It
 * cannot hold 5%: measured on the 2-core machine, the JVMs are still warming up two minutes in
 * (NMT: code cache +2-3.5 MB, metaspace +0.7-6 MB, compiler arenas up to +18 MB between 30 s and
 * 120 s), which puts native drift at +5-15% with no leak, and a heap of 20 MB after a full
 * collection moves by 2 MB with the frames in flight. When the machine is so busy that the roles
 * fall behind, the short form is skipped, not passed.
 */
@ExtendWith(GleanerInfrastructure.class)
class SoakFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(SoakFaultIT.class);
    /**
     * The bound, which the long form holds. The short form holds a looser one: within its
     * 80 s the JVMs are still warming up (see the class comment), but a real leak, such as a
     * tensor kept per batch or a store left open per model swap, grows far faster than that.
     */
    private static final double MAX_DRIFT = FaultScale.pick(0.35, 0.05);
    private static final Duration WARM_UP = FaultScale.pick(Duration.ofSeconds(20), Duration.ofMinutes(5));
    private static final Duration SOAK = FaultScale.pick(Duration.ofSeconds(60), Duration.ofMinutes(30));
    private static final Duration SAMPLE_EVERY = FaultScale.pick(Duration.ofSeconds(5), Duration.ofSeconds(30));
    private static final Duration MODEL_SWAP_EVERY = FaultScale.pick(Duration.ofSeconds(20), Duration.ofMinutes(3));
    /**
     * Well under what the roles take on the 2-core machine when other jobs leave it alone (about 30
     * frames/s through the scorer in KillRolesFaultIT, kills included).
     */
    private static final int FRAMES_PER_SECOND = 20;
    /** The roles are keeping up if, at the end, what waits in the pipeline came in within this many seconds. */
    private static final int MAX_END_LAG_SECONDS = 15;
    private static final List<String> CHILD_JVM = List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch",
            "-XX:+UseSerialGC", "-XX:NativeMemoryTracking=summary");

    /** One sample: when, how far the frames had got, and each role's reading. */
    private record Sample(double seconds, int framesSent, Map<Role, Long> lags, Map<Role, Double> cpuSeconds,
                          Map<Role, MemoryProbe.Reading> readings) {}

    @Test
    void heapAndNativeMemoryOfEveryRoleStayFlatUnderTheDemoLoad(Infrastructure infrastructure, @TempDir Path scratch)
            throws Exception {
        String bootstrap = infrastructure.kafkaBootstrapServers();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        Migrations.migrate(infrastructure.database().dataSource());
        String run = "soak-" + UUID.randomUUID().toString().substring(0, 8);
        LiveModel model = new LiveModel(bootstrap, scratch.resolve("models"));
        model.publishNext();
        int samplesWanted = (int) (SOAK.toMillis() / SAMPLE_EVERY.toMillis()) + 1;
        // Enough frames to keep flowing past the last sample.
        int frames = (int) ((WARM_UP.toSeconds() + SOAK.toSeconds() + 120) * FRAMES_PER_SECOND);
        List<Sample> samples = new CopyOnWriteArrayList<>();
        AtomicReference<Exception> samplingFailure = new AtomicReference<>();
        AtomicInteger swaps = new AtomicInteger();

        try (PipelineProcesses pipeline = new PipelineProcesses(infrastructure, CHILD_JVM, scratch);
             FleetFeed feed = new FleetFeed(bootstrap, run, frames, FRAMES_PER_SECOND, 23)) {
            ScheduledExecutorService clock = Executors.newScheduledThreadPool(1, r -> new Thread(r, "soak-clock"));
            List<MemoryProbe> probes = new ArrayList<>();
            try {
                pipeline.startAtEnd();
                pipeline.startAll();
                Map<Role, MemoryProbe> probeOf = new EnumMap<>(Role.class);
                for (Role role : Role.values()) {
                    MemoryProbe probe = MemoryProbe.attach(pipeline.process(role));
                    probes.add(probe);
                    probeOf.put(role, probe);
                }
                long started = System.nanoTime();
                feed.start();
                clock.scheduleAtFixedRate(() -> {
                    try {
                        model.publishNext();
                        swaps.incrementAndGet();
                    } catch (RuntimeException e) {
                        samplingFailure.compareAndSet(null, e);
                    }
                }, MODEL_SWAP_EVERY.toMillis(), MODEL_SWAP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                clock.scheduleAtFixedRate(() -> {
                    try {
                        if (samples.isEmpty()) {
                            // What the JVM itself allocates natively, from here on: the report says what grew.
                            probeOf.values().forEach(probe -> probe.nativeMemory("baseline"));
                        }
                        Map<Role, MemoryProbe.Reading> readings = new EnumMap<>(Role.class);
                        probeOf.forEach((role, probe) -> readings.put(role, probe.read()));
                        Map<Role, Long> lags = new EnumMap<>(Role.class);
                        Map<Role, Double> cpu = new EnumMap<>(Role.class);
                        for (Role role : Role.values()) {
                            lags.put(role, pipeline.lag(role));
                            cpu.put(role, pipeline.process(role).cpuSeconds());
                        }
                        samples.add(new Sample((System.nanoTime() - started) / 1e9, feed.sent(), lags, cpu, readings));
                    } catch (Exception e) {
                        samplingFailure.compareAndSet(null, e);
                    }
                }, WARM_UP.toMillis(), SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);

                await(samplesWanted + " samples after a warm-up of " + WARM_UP)
                        .atMost(WARM_UP.plus(SOAK).plus(SOAK).plus(Duration.ofMinutes(2)))
                        .pollInterval(Duration.ofSeconds(1))
                        .failFast("a role died", () -> !pipeline.notRunning().isEmpty())
                        .failFast("sampling failed", () -> samplingFailure.get() != null)
                        .failFast("the fleet stopped sending", () -> feed.failure() != null)
                        .until(() -> samples.size() >= samplesWanted);
                clock.shutdownNow();
                LOG.info("SoakFaultIT: native memory the JVMs track themselves, change since the first sample"
                        + " (NMT summary.diff; RocksDB, PyTorch and malloc's own overhead are outside it):\n{}",
                        nativeGrowth(probeOf));
                check(List.copyOf(samples).subList(0, samplesWanted), swaps.get());
            } catch (Throwable failure) {
                LOG.error("SoakFaultIT failed{}; samples so far:\n{}\nthe roles' last log lines:\n{}",
                        samplingFailure.get() == null ? "" : " (sampling: " + samplingFailure.get() + ")",
                        table(List.copyOf(samples)), pipeline.tails(40));
                throw failure;
            } finally {
                clock.shutdownNow();
                probes.forEach(MemoryProbe::close);
                feed.close();
                drain(pipeline);
            }
        }
    }

    /**
     * Gives the roles up to two minutes to take what the fleet sent, so that no backlog waits in the
     * scorer's buffer for the next test that runs these application ids; a busy machine may not
     * allow it, which is only logged: closing moves the groups past the rest.
     */
    private static void drain(PipelineProcesses pipeline) throws InterruptedException {
        try {
            await("the pipeline to drain after the soak").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1)).until(pipeline::drained);
        } catch (ConditionTimeoutException e) {
            LOG.warn("SoakFaultIT: the roles did not take all the frames within 2 minutes of the end (lags: {});"
                    + " the next test with these application ids starts past them", pipeline.lags());
        }
    }

    private static void check(List<Sample> samples, int swaps) {
        List<Sample> first = samples.subList(0, samples.size() / 3);
        List<Sample> last = samples.subList(samples.size() - samples.size() / 3, samples.size());
        Map<String, Double> drifts = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            drifts.put(role.subcommand() + " heap", drift(first, last, s -> s.readings().get(role).heapAfterGcBytes()));
            drifts.put(role.subcommand() + " native", drift(first, last, s -> s.readings().get(role).nativeBytes()));
        }
        Sample end = samples.get(samples.size() - 1);
        LOG.info("SoakFaultIT ({} form): {} samples every {} s after {} s of warm-up, {} frames/s, {} model swaps;"
                        + " samples:\n{}\ndrift (median of the last third over the first, minus one): {}",
                FaultScale.form(), samples.size(), SAMPLE_EVERY.toSeconds(), WARM_UP.toSeconds(), FRAMES_PER_SECOND,
                swaps, table(samples), describe(drifts));

        assertThat(swaps).as("model swaps during the soak").isPositive();
        long endLag = end.lags().values().stream().mapToLong(Long::longValue).sum();
        String keepingUp = String.format("frames waiting in the pipeline at the end (lag summed over the roles): %d;"
                + " the roles must keep up with the %d frames/s, or the memory figures measure a backlog, not a leak",
                endLag, FRAMES_PER_SECOND);
        boolean keptUp = endLag <= (long) MAX_END_LAG_SECONDS * FRAMES_PER_SECOND;
        if (FaultScale.isLong()) {
            assertThat(keptUp).as(keepingUp).isTrue();
        } else {
            // A CI machine that other jobs load can starve the scorer; that says nothing about memory.
            assumeTrue(keptUp, keepingUp + " (short form: not a failure, the machine is too busy to measure)");
        }
        assertThat(drifts).as("memory drift per role and measure; at most %.0f%%", 100 * MAX_DRIFT)
                .allSatisfy((what, drift) -> assertThat(drift).as(what).isLessThan(MAX_DRIFT));
    }

    /** Per role, the total and the categories of {@code VM.native_memory summary.diff}. */
    private static String nativeGrowth(Map<Role, MemoryProbe> probes) {
        StringBuilder text = new StringBuilder();
        probes.forEach((role, probe) -> {
            text.append(role.subcommand()).append(":\n");
            probe.nativeMemory("summary.diff").lines()
                    .filter(line -> line.contains("committed=") && (line.startsWith("Total") || line.startsWith("-")))
                    .forEach(line -> text.append("  ").append(line.replaceAll("\\s+", " ").trim()).append('\n'));
        });
        return text.toString();
    }

    /** Median of {@code last} over median of {@code first}, minus one. */
    private static double drift(List<Sample> first, List<Sample> last, ToLongFunction<Sample> measure) {
        return median(last, measure) / median(first, measure) - 1;
    }

    private static double median(List<Sample> samples, ToLongFunction<Sample> measure) {
        long[] values = samples.stream().mapToLong(measure).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
    }

    private static String describe(Map<String, Double> drifts) {
        StringBuilder text = new StringBuilder();
        drifts.forEach((what, drift) -> text.append(text.isEmpty() ? "" : ", ")
                .append(what).append(String.format(" %+.1f%%", 100 * drift)));
        return text.toString();
    }

    /** The samples as a table, MiB: heap after a full GC / native (resident less committed heap) per role. */
    private static String table(List<Sample> samples) {
        StringBuilder text = new StringBuilder(String.format("%7s %7s %23s %19s", "t_s", "sent", "lag in/score/sel/sink",
                "cpu% in/sc/sel/sink"));
        for (Role role : Role.values()) {
            text.append(String.format(" %21s", role.subcommand() + " heap/native"));
        }
        Sample previous = null;
        for (Sample sample : samples) {
            text.append(String.format("%n%7.1f %7d %5d/%5d/%5d/%5d ", sample.seconds(), sample.framesSent(),
                    sample.lags().get(Role.INGEST), sample.lags().get(Role.SCORE), sample.lags().get(Role.SELECT),
                    sample.lags().get(Role.QUEUE_SINK)));
            for (Role role : Role.values()) {
                text.append(previous == null ? "    -" : String.format("%5.0f", 100 * (sample.cpuSeconds().get(role)
                        - previous.cpuSeconds().get(role)) / (sample.seconds() - previous.seconds())));
            }
            previous = sample;
            for (Role role : Role.values()) {
                MemoryProbe.Reading reading = sample.readings().get(role);
                text.append(String.format(" %10.1f/%10.1f", mib(reading.heapAfterGcBytes()), mib(reading.nativeBytes())));
            }
        }
        return text.toString();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
