package io.gleaner.scorer;

import java.util.Arrays;

/**
 * Which of the last frames one task tried with the served model failed (the model threw on them,
 * or gave a NaN or infinite output): the share that tells a few poison frames, which go to the
 * DLQ, from a model that fails on most frames, which is retired. Pure logic.
 */
final class RecentFailures {
    private final boolean[] ring;
    private final int minFrames;
    private int next;
    private int size;
    private int failed;

    /**
     * @param capacity how many of the latest frames count
     * @param minFrames how many frames must have been tried before {@link #mostFailed} can say yes
     */
    RecentFailures(int capacity, int minFrames) {
        if (capacity < 1 || minFrames < 1 || minFrames > capacity) {
            throw new IllegalArgumentException("capacity " + capacity + " and minFrames " + minFrames
                    + ": need 1 <= minFrames <= capacity");
        }
        this.ring = new boolean[capacity];
        this.minFrames = minFrames;
    }

    void record(boolean frameFailed) {
        if (size == ring.length) {
            if (ring[next]) {
                failed--;
            }
        } else {
            size++;
        }
        ring[next] = frameFailed;
        if (frameFailed) {
            failed++;
        }
        next = (next + 1) % ring.length;
    }

    /** Whether, with at least {@code minFrames} frames tried, more than half of the latest failed. */
    boolean mostFailed() {
        return size >= minFrames && 2 * failed > size;
    }

    /** Frames now counted, and how many of them failed, as {@code "failed/size"}. */
    String share() {
        return failed + "/" + size;
    }

    /** Forgets every frame: a new model starts with a clean record. */
    void clear() {
        Arrays.fill(ring, false);
        next = 0;
        size = 0;
        failed = 0;
    }
}
