package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CpuTimesTest {

    @Test
    void cpuThisThreadBurnsShowsInTheProcessAndTheMachineFigures() {
        assumeTrue(Files.isReadable(Path.of("/proc/stat")), "the machine figure comes from Linux's /proc/stat");
        OptionalLong machineBefore = CpuTimes.machineBusyNanos();
        long processBefore = CpuTimes.processNanos();

        long spent = burnCpuNanos(300_000_000L);

        long process = CpuTimes.processNanos() - processBefore;
        long machine = CpuTimes.machineBusyNanos().orElseThrow() - machineBefore.orElseThrow();
        assertThat(process).as("process CPU ns after burning %d ns on one thread", spent).isGreaterThanOrEqualTo(spent);
        // The machine's counters tick every 10 ms and are sampled, so allow a few ticks short of it.
        assertThat(machine).as("machine busy ns after this process used %d ns", process)
                .isGreaterThanOrEqualTo(spent - 50_000_000L);
    }

    /** Spins on this thread until it has used {@code nanos} of CPU; returns what it used. */
    private static long burnCpuNanos(long nanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long x = 1;
        while (threads.getCurrentThreadCpuTime() - start < nanos) {
            for (int i = 0; i < 100_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        assertThat(x).isNotZero();
        return threads.getCurrentThreadCpuTime() - start;
    }
}
