package io.gleaner.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * How the queue sink ({@link TaskSinkTopology}) waits out a database it cannot reach: it retries
 * the same batch of edge cases after {@code firstBackoff}, doubling the wait after each failure up to
 * {@code maxBackoff}, and gives up once the next wait would take it past {@code giveUpAfter}
 * since the first failure. Giving up fails the stream thread (the batch's offsets are not
 * committed, so nothing is lost); the next thread starts the backoff again.
 *
 * <p>While it waits the stream thread does not poll, so {@code giveUpAfter} must stay under the
 * consumer's {@code max.poll.interval.ms} (5 minutes by default), or the group would evict the
 * member: at most {@link #MAX_GIVE_UP_AFTER}.
 *
 * @param firstBackoff wait after the first failure; positive, at most {@code maxBackoff}
 * @param maxBackoff longest single wait; at most {@code giveUpAfter}
 * @param giveUpAfter how long after the first failure the sink stops retrying one batch;
 *     at most {@link #MAX_GIVE_UP_AFTER}
 */
public record SinkRetryConfig(Duration firstBackoff, Duration maxBackoff, Duration giveUpAfter) {
    /** Longest {@code giveUpAfter}: a minute under Kafka's default {@code max.poll.interval.ms}. */
    public static final Duration MAX_GIVE_UP_AFTER = Duration.ofMinutes(4);

    public SinkRetryConfig {
        Objects.requireNonNull(firstBackoff, "firstBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (firstBackoff.isNegative() || firstBackoff.isZero()) {
            throw new IllegalArgumentException("queue sink first backoff is " + firstBackoff
                    + ", must be positive, e.g. PT0.1S");
        }
        if (maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("queue sink max backoff " + maxBackoff
                    + " is shorter than the first backoff " + firstBackoff + "; raise it, e.g. PT5S");
        }
        if (giveUpAfter.compareTo(maxBackoff) < 0 || giveUpAfter.compareTo(MAX_GIVE_UP_AFTER) > 0) {
            throw new IllegalArgumentException("queue sink give-up time is " + giveUpAfter + ", must be "
                    + maxBackoff + " (the max backoff) .. " + MAX_GIVE_UP_AFTER
                    + ": a stream thread that does not poll for max.poll.interval.ms (5 min) leaves its group");
        }
    }

    /** 100 ms, doubling up to 5 s, giving up on a record after 2 minutes. */
    public static SinkRetryConfig defaults() {
        return new SinkRetryConfig(Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMinutes(2));
    }

    /** The wait after the {@code failures}-th failure in a row (1 for the first). */
    public Duration backoff(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("backoff after " + failures + " failures: count from 1");
        }
        long nanos = firstBackoff.toNanos();
        long max = maxBackoff.toNanos();
        // Stops doubling at the cap, so no failure count overflows.
        for (int i = 1; i < failures && nanos < max; i++) {
            nanos *= 2;
        }
        return Duration.ofNanos(Math.min(nanos, max));
    }
}
