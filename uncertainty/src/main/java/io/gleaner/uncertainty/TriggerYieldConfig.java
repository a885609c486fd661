package io.gleaner.uncertainty;

import java.time.Duration;
import java.util.Objects;

/**
 * How the selection stage learns from labels which triggers pay off ({@link TriggerBandit}), and
 * shifts harvest priority toward them: an edge case's priority is multiplied by {@code K · share}
 * of the best-placed trigger that fired on it ({@code K} triggers with feedback so far; 1 for a
 * trigger without any), so that over a budget, or in the labeling queue's order, frames of
 * high-yield triggers come first, while the floor keeps every trigger at least
 * {@code floor} times its even priority.
 *
 * @param enabled whether feedback changes priorities ({@code selection.yield.enabled}); off, the
 *     yields are still counted and shown
 * @param floor the exploration floor, in [0, 1] ({@code selection.yield.floor})
 * @param samples joint posterior draws per allocation, at least 1 ({@code selection.yield.samples})
 * @param seed seeds the draws ({@code selection.yield.seed})
 * @param feedbackDedupRetention how long a frame whose feedback was counted is remembered, so that
 *     a replay of its feedback within that time is not counted again; positive
 *     ({@code selection.yield.feedback-dedup-retention}). Older frame ids are forgotten, which keeps
 *     the store bounded on an endless stream: a replay arriving later counts once more.
 */
public record TriggerYieldConfig(boolean enabled, double floor, int samples, long seed, Duration feedbackDedupRetention) {
    /**
     * Default {@code selection.yield.feedback-dedup-retention}: 30 days, four times Kafka's default
     * topic retention of 7 days, so a relay or consumer replaying {@code label-feedback} from as far
     * back as the topic still holds finds every frame it re-sends already counted.
     */
    public static final Duration DEFAULT_FEEDBACK_DEDUP_RETENTION = Duration.ofDays(30);

    /** Validates every field, the bandit's through the {@link TriggerBandit} it makes. */
    public TriggerYieldConfig {
        new TriggerBandit(floor, samples, seed);
        Objects.requireNonNull(feedbackDedupRetention, "feedbackDedupRetention");
        if (feedbackDedupRetention.isNegative() || feedbackDedupRetention.isZero()) {
            throw new IllegalArgumentException("selection.yield.feedback-dedup-retention is " + feedbackDedupRetention
                    + "; it must be positive, e.g. " + DEFAULT_FEEDBACK_DEDUP_RETENTION);
        }
    }

    /**
     * On, with a floor of 0.2 and 4,000 draws, seed 7, counted frames remembered for
     * {@link #DEFAULT_FEEDBACK_DEDUP_RETENTION}. On by default: until labels come back there is no
     * feedback and every multiplier is 1.
     */
    public static TriggerYieldConfig defaults() {
        return new TriggerYieldConfig(true, 0.2, 4_000, 7L, DEFAULT_FEEDBACK_DEDUP_RETENTION);
    }

    /** These settings with another {@code feedbackDedupRetention}. */
    public TriggerYieldConfig withFeedbackDedupRetention(Duration retention) {
        return new TriggerYieldConfig(enabled, floor, samples, seed, retention);
    }

    /** The bandit these settings make. */
    public TriggerBandit bandit() {
        return new TriggerBandit(floor, samples, seed);
    }
}
