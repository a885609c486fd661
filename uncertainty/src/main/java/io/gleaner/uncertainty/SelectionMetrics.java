package io.gleaner.uncertainty;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one selection instance, shared by all its stream tasks and threads; the app reads
 * them for its metrics endpoint. Counts since the instance started, not since the window began.
 */
public final class SelectionMetrics {
    private final LongAdder framesSeen = new LongAdder();
    private final LongAdder harvested = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    /** Well-formed scored frames run through the policy. */
    public long framesSeen() {
        return framesSeen.sum();
    }

    /** Frames written to {@code edge-cases}. */
    public long harvested() {
        return harvested.sum();
    }

    /** Scored frames sent to {@code frames.dlq} because they could not be scored. */
    public long malformed() {
        return malformed.sum();
    }

    void recordSeen() {
        framesSeen.increment();
    }

    void recordHarvested() {
        harvested.increment();
    }

    void recordMalformed() {
        malformed.increment();
    }
}
