package io.gleaner.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * How the queue sink ({@link TaskSinkTopology}) groups edge cases into database transactions: it
 * buffers them and writes the buffer in one transaction when it holds {@code maxEdgeCases}, when
 * {@code maxDelay} of wall-clock time has passed, and always before Kafka Streams commits the
 * offsets of the records in it. One transaction per edge case (a commit, and a WAL flush, per row)
 * held the sink to tens of edge cases a second.
 *
 * @param maxEdgeCases edge cases per transaction at most, 1..{@value #MAX_EDGE_CASES}; 1 writes
 *     every edge case on its own
 * @param maxDelay longest time an edge case waits in the buffer, positive, at most
 *     {@link #MAX_DELAY}; Streams' commit interval (100 ms under exactly-once) may flush it sooner
 */
public record SinkBatchConfig(int maxEdgeCases, Duration maxDelay) {
    /** Most edge cases in one transaction: a batch of images stays a few tens of MB at most. */
    public static final int MAX_EDGE_CASES = 10_000;
    /** Longest wait in the buffer: a labeler should see a harvested frame within seconds. */
    public static final Duration MAX_DELAY = Duration.ofSeconds(10);

    public SinkBatchConfig {
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (maxEdgeCases < 1 || maxEdgeCases > MAX_EDGE_CASES) {
            throw new IllegalArgumentException("queue sink batch size is " + maxEdgeCases + ", must be 1.."
                    + MAX_EDGE_CASES + ", e.g. 500");
        }
        if (maxDelay.isNegative() || maxDelay.isZero() || maxDelay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("queue sink batch delay is " + maxDelay + ", must be positive and at"
                    + " most " + MAX_DELAY + ", e.g. PT0.1S");
        }
    }

    /** 500 edge cases or 100 ms, whichever comes first. */
    public static SinkBatchConfig defaults() {
        return new SinkBatchConfig(500, Duration.ofMillis(100));
    }
}
