package io.gleaner.uncertainty;

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
 */
public record TriggerYieldConfig(boolean enabled, double floor, int samples, long seed) {
    /** Validates every field through the {@link TriggerBandit} it makes. */
    public TriggerYieldConfig {
        new TriggerBandit(floor, samples, seed);
    }

    /**
     * On, with a floor of 0.2 and 4,000 draws, seed 7. On by default: until labels come back there
     * is no feedback and every multiplier is 1.
     */
    public static TriggerYieldConfig defaults() {
        return new TriggerYieldConfig(true, 0.2, 4_000, 7L);
    }

    /** The bandit these settings make. */
    public TriggerBandit bandit() {
        return new TriggerBandit(floor, samples, seed);
    }
}
