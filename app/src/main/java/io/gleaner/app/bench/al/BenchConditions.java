package io.gleaner.app.bench.al;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/** The machine a benchmark ran on, as one line: the figures mean little without it. */
public final class BenchConditions {
    private BenchConditions() {}

    /** Cores, JVM, OS and the 1-minute load average now (a shared machine slows every figure). */
    public static String describe() {
        return String.format(Locale.ROOT, "device: CPU only (DJL PyTorch), %d cores, %s %s, Java %s, load average %.2f",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
