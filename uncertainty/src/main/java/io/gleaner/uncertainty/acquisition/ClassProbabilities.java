package io.gleaner.uncertainty.acquisition;

/**
 * Uncertainty of one predicted class distribution (one softmax): how unsure the model is which
 * class a frame belongs to. Higher is more uncertain for every function except {@link #margin},
 * where a small gap is the uncertain case.
 *
 * <p>Source for all four: B. Settles, <i>Active Learning Literature Survey</i>, Computer Sciences
 * Technical Report 1648, University of Wisconsin–Madison, 2009, §3.1 (uncertainty sampling).
 *
 * <p>The probabilities should sum to 1 but this is not checked, since a float softmax rarely sums
 * to exactly 1; each must be finite and at least 0, and there must be at least one.
 */
public final class ClassProbabilities {
    private ClassProbabilities() {}

    /**
     * Least confidence, {@code 1 − max_c p_c}: 0 for a one-hot distribution, {@code 1 − 1/C} for
     * the uniform one over C classes.
     *
     * @throws IllegalArgumentException if {@code p} is null, empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double leastConfidence(float[] p) {
        ArgumentCheck.probabilities("leastConfidence", "p", p);
        return 1.0 - topTwo(p)[0];
    }

    /**
     * The margin between the two most probable classes, {@code p_(1) − p_(2)}: small means the
     * model cannot decide between two classes (so "margin sampling" picks the smallest). With one
     * class, {@code p_(2)} is taken as 0.
     *
     * @throws IllegalArgumentException if {@code p} is null, empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double margin(float[] p) {
        ArgumentCheck.probabilities("margin", "p", p);
        double[] top = topTwo(p);
        return top[0] - top[1];
    }

    /**
     * Shannon entropy in nats, {@code H(p) = −Σ_c p_c·ln p_c} with {@code 0·ln 0 = 0}: 0 for a
     * one-hot distribution, {@code ln C} for the uniform one.
     *
     * @throws IllegalArgumentException if {@code p} is null, empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double entropy(float[] p) {
        ArgumentCheck.probabilities("entropy", "p", p);
        return Math.max(0.0, entropyOf(p));
    }

    /**
     * Entropy divided by its maximum, {@code H(p) / ln C}, clamped to [0, 1] so float rounding in a
     * softmax cannot push it outside: 1 for the uniform distribution, 0 for a one-hot one, and 0
     * when there is only one class (nothing to be unsure about).
     *
     * @throws IllegalArgumentException if {@code p} is null, empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double normalizedEntropy(float[] p) {
        ArgumentCheck.probabilities("normalizedEntropy", "p", p);
        if (p.length == 1) {
            return 0.0;
        }
        return Math.max(0.0, Math.min(1.0, entropyOf(p) / Math.log(p.length)));
    }

    /** {@code −Σ p·ln p} over already-checked probabilities. */
    static double entropyOf(float[] p) {
        double entropy = 0.0;
        for (float value : p) {
            if (value > 0f) {
                entropy -= value * Math.log(value);
            }
        }
        return entropy;
    }

    /** The largest and second largest values; the second is 0 when there is one value. */
    private static double[] topTwo(float[] p) {
        double top1 = Double.NEGATIVE_INFINITY;
        double top2 = Double.NEGATIVE_INFINITY;
        for (float value : p) {
            if (value > top1) {
                top2 = top1;
                top1 = value;
            } else if (value > top2) {
                top2 = value;
            }
        }
        return new double[] {top1, p.length == 1 ? 0.0 : top2};
    }
}
