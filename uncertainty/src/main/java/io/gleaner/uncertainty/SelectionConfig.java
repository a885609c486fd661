package io.gleaner.uncertainty;

/**
 * How the selection stage decides which scored frames become edge cases.
 *
 * <p>Each frame gets a combined score {@code entropyWeight·normalizedEntropy +
 * actionWeight·actionDisagreement}. A frame is harvested when its score is in the top
 * {@code keepFraction} of the last {@code windowSize} scores, once at least {@code minWindow}
 * scores have been seen. The per-function thresholds only decide which triggers an edge case
 * carries, not whether it is harvested.
 *
 * @param keepFraction share of frames to keep, in (0, 1]
 * @param windowSize how many recent combined scores the rolling window holds, at least 10
 * @param entropyWeight weight of the normalized scene entropy, at least 0
 * @param actionWeight weight of the action disagreement, at least 0 (not both weights 0)
 * @param minWindow how many scores the window must hold before anything is harvested, in
 *     [1, windowSize]
 * @param entropyThreshold normalized entropy at or above which the {@code scene-entropy} trigger
 *     fires, in [0, 1]
 * @param actionThreshold action disagreement at or above which the {@code action-disagreement}
 *     trigger fires, in [0, 1]
 */
public record SelectionConfig(
        double keepFraction,
        int windowSize,
        double entropyWeight,
        double actionWeight,
        int minWindow,
        double entropyThreshold,
        double actionThreshold) {

    /** Default normalized entropy at which the {@code scene-entropy} trigger fires. */
    public static final double DEFAULT_ENTROPY_THRESHOLD = 0.6;
    /** Default action disagreement at which the {@code action-disagreement} trigger fires. */
    public static final double DEFAULT_ACTION_THRESHOLD = 0.15;

    /** Validates every field; the message names the field, its value and the allowed range. */
    public SelectionConfig {
        if (!(keepFraction > 0.0 && keepFraction <= 1.0)) {
            throw invalid("keepFraction", keepFraction, "must be in (0, 1], e.g. 0.10 to keep one frame in ten");
        }
        if (windowSize < 10) {
            throw invalid("windowSize", windowSize, "must be at least 10 scores");
        }
        if (!(entropyWeight >= 0.0) || Double.isInfinite(entropyWeight)) {
            throw invalid("entropyWeight", entropyWeight, "must be a finite number >= 0");
        }
        if (!(actionWeight >= 0.0) || Double.isInfinite(actionWeight)) {
            throw invalid("actionWeight", actionWeight, "must be a finite number >= 0");
        }
        if (entropyWeight == 0.0 && actionWeight == 0.0) {
            throw new IllegalArgumentException(
                    "selection.entropyWeight and selection.actionWeight are both 0; set at least one above 0");
        }
        if (minWindow < 1 || minWindow > windowSize) {
            throw invalid("minWindow", minWindow, "must be in [1, windowSize=" + windowSize + "]");
        }
        if (!(entropyThreshold >= 0.0 && entropyThreshold <= 1.0)) {
            throw invalid("entropyThreshold", entropyThreshold, "must be in [0, 1]");
        }
        if (!(actionThreshold >= 0.0 && actionThreshold <= 1.0)) {
            throw invalid("actionThreshold", actionThreshold, "must be in [0, 1]");
        }
    }

    /**
     * The five settings of the module contract, with the default trigger thresholds
     * ({@value #DEFAULT_ENTROPY_THRESHOLD} and {@value #DEFAULT_ACTION_THRESHOLD}).
     */
    public SelectionConfig(double keepFraction, int windowSize, double entropyWeight, double actionWeight, int minWindow) {
        this(keepFraction, windowSize, entropyWeight, actionWeight, minWindow,
                DEFAULT_ENTROPY_THRESHOLD, DEFAULT_ACTION_THRESHOLD);
    }

    /** Keep 10% of a 500-score window, weighted 0.3 entropy / 0.7 action, after 50 scores. */
    public static SelectionConfig defaults() {
        return new SelectionConfig(0.10, 500, 0.3, 0.7, 50);
    }

    private static IllegalArgumentException invalid(String field, Object value, String rule) {
        return new IllegalArgumentException("selection." + field + " is " + value + "; it " + rule);
    }
}
