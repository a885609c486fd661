package io.gleaner.app.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * CPU time this JVM's threads have used, by thread, at one instant; the difference of two
 * snapshots, grouped, says which threads a benchmark's time went to. A benchmark that runs a
 * broker, a stage and its clients in one JVM needs this: wall-clock throughput alone cannot tell
 * a slow stage from a busy broker beside it.
 *
 * <p>Threads that ended between two snapshots are missing from the later one, so their CPU time
 * after the first snapshot is not counted: take snapshots while the measured threads run.
 */
final class CpuTimes {
    private final Map<Long, String> names;
    private final Map<Long, Long> cpuNanos;

    private CpuTimes(Map<Long, String> names, Map<Long, Long> cpuNanos) {
        this.names = names;
        this.cpuNanos = cpuNanos;
    }

    /**
     * Reads every live thread's CPU time now.
     *
     * @throws IllegalStateException if this JVM cannot measure thread CPU time
     */
    static CpuTimes now() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time"
                    + " (ThreadMXBean.isThreadCpuTimeSupported() is false); run the benchmark on HotSpot");
        }
        if (!threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue; // ended since getAllThreadIds
            }
            long nanos = threads.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                names.put(info.getThreadId(), info.getThreadName());
                cpu.put(info.getThreadId(), nanos);
            }
        }
        return new CpuTimes(names, cpu);
    }

    /**
     * CPU nanoseconds each group of threads used since {@code earlier}, the group named by
     * {@code groupOf} from the thread's name; groups in name order.
     */
    Map<String, Long> since(CpuTimes earlier, Function<String, String> groupOf) {
        Map<String, Long> byGroup = new TreeMap<>();
        cpuNanos.forEach((id, nanos) -> {
            long used = nanos - earlier.cpuNanos.getOrDefault(id, 0L);
            byGroup.merge(groupOf.apply(names.get(id)), used, Long::sum);
        });
        return byGroup;
    }

    /**
     * CPU time this whole process has used, its threads that ended included.
     *
     * @throws IllegalStateException if this JVM does not report it
     */
    static long processNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        throw new IllegalStateException("this JVM does not report its process CPU time"
                + " (no com.sun.management.OperatingSystemMXBean); run the benchmark on HotSpot");
    }

    /**
     * CPU time the whole machine has spent busy (user, nice, system, irq, softirq and steal in
     * {@code /proc/stat}), every process together; empty where there is no {@code /proc/stat}. Its
     * clock ticks are Linux's USER_HZ, 100 a second on every architecture Java runs on.
     */
    static OptionalLong machineBusyNanos() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            if (!fields[0].equals("cpu") || fields.length < 9) {
                return OptionalLong.empty();
            }
            long ticks = 0;
            for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(fields[field]);
            }
            return OptionalLong.of(ticks * 10_000_000L);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
