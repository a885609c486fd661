package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeHeapTest {
    /** Below glibc's mmap threshold (128 KiB), so each block comes from a malloc arena, not its own mapping. */
    private static final int BLOCK = 96 * 1024;
    private static final int BLOCKS = 2_000;

    @Test
    void freedMallocMemoryInTheMiddleOfTheHeapGoesBackToTheOsOnlyWhenTrimmed() throws IOException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && NativeHeap.available(),
                "glibc's malloc_trim is only on Linux with glibc");
        List<Memory> blocks = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) {
            Memory block = new Memory(BLOCK);
            block.clear();   // touch every page, so it is resident
            blocks.add(block);
        }
        // Kept until the end: the freed blocks sit below it, where free() alone never returns them.
        Memory pin = new Memory(BLOCK);
        pin.clear();
        long filled = residentKib();
        blocks.forEach(Memory::close);
        long freed = residentKib();

        assertThat(NativeHeap.trim()).as("malloc_trim returned memory").isTrue();
        long trimmed = residentKib();
        pin.close();

        long allocatedKib = (long) BLOCK * BLOCKS / 1024;
        assertThat(filled - freed).as("KiB free() gave back of %d", allocatedKib).isLessThan(allocatedKib / 4);
        assertThat(freed - trimmed).as("KiB malloc_trim gave back of %d", allocatedKib).isGreaterThan(allocatedKib / 2);
    }

    private static long residentKib() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElseThrow();
    }
}
