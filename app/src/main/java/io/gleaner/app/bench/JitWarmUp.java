package io.gleaner.app.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Untimed repetitions of a measurement until the JIT compiler is done with the code it runs. The
 * broker, Kafka Streams and the clients are a lot of code: on two cores the compiler threads take
 * CPU from whatever is timed while they compile it, so a figure taken cold measures the JIT, not
 * the stage. (The scorer stage, timed once and cold, spent 6.3 s of C2 CPU time in a 17 s window
 * against the stream thread's 7.1 s.)
 */
final class JitWarmUp {
    /** A repetition is quiet when the JIT compiled for less than this share of its wall time. */
    static final double QUIET_FRACTION = 0.02;

    /** One untimed repetition; returns its wall nanoseconds. */
    interface Repetition {
        long run() throws Exception;
    }

    private JitWarmUp() {}

    /**
     * Runs {@code repetition} until the JIT compiler is quiet during one, or {@code maxWarmups}
     * times, reporting each repetition's compile share as a line to {@code out}.
     */
    static void untilQuiet(String what, int maxWarmups, Consumer<String> out, Repetition repetition) throws Exception {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            throw new IllegalStateException("this JVM does not report JIT compilation time; run the benchmark on HotSpot");
        }
        for (int warmup = 1; warmup <= maxWarmups; warmup++) {
            long jitMsBefore = jit.getTotalCompilationTime();
            long wallNanos = repetition.run();
            double jitFraction = (jit.getTotalCompilationTime() - jitMsBefore) * 1e6 / wallNanos;
            out.accept(String.format(Locale.ROOT, "%s warm-up %d: JIT compiling %.1f%% of the time", what, warmup,
                    100 * jitFraction));
            if (jitFraction < QUIET_FRACTION) {
                return;
            }
        }
        out.accept(String.format(Locale.ROOT, "%s: the JIT compiler was still busy after %d warm-ups; timing anyway"
                + " (raise --max-warmups for steadier figures)", what, maxWarmups));
    }
}
