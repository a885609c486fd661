package io.gleaner.uncertainty;

/**
 * Acquisition functions: how much a single frame would teach the model if a human labeled it.
 *
 * <p>Pure functions of the scorer's outputs, with no I/O and no framework types. Every function
 * rejects NaN, infinite or empty input with an {@link IllegalArgumentException} that names the
 * argument, because a silently propagated NaN would make every later comparison false.
 */
public final class Acquisition {
    /** The largest distance between two actions in [-1, 1]², from (-1, -1) to (1, 1). */
    private static final double MAX_ACTION_DISTANCE = 2.0 * Math.sqrt(2.0);

    private Acquisition() {}

    /**
     * Shannon entropy of a class distribution divided by its maximum, {@code ln C}.
     *
     * <p>{@code -Σ p·ln p / ln C} with {@code 0·ln 0 = 0}: 1 for the uniform distribution, 0 for a
     * one-hot one, and 0 when there is only one class (nothing to be unsure about). The result is
     * clamped to [0, 1] so that float rounding in a softmax cannot push it outside.
     *
     * @param p class probabilities, each in [0, 1]; they should sum to 1 but this is not checked,
     *     since a float softmax rarely sums to exactly 1
     * @throws IllegalArgumentException if {@code p} is null or empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double normalizedEntropy(float[] p) {
        checkProbabilities(p, "normalizedEntropy");
        if (p.length == 1) {
            return 0.0;
        }
        double entropy = 0.0;
        for (float value : p) {
            if (value > 0f) {
                entropy -= value * Math.log(value);
            }
        }
        return clampUnit(entropy / Math.log(p.length));
    }

    /**
     * The gap between the two most probable classes, {@code top1 − top2}: small means the model
     * cannot decide between two classes. With one class, {@code top2} is taken as 0.
     *
     * @param p class probabilities, each in [0, 1]
     * @throws IllegalArgumentException if {@code p} is null or empty, or holds a NaN, infinite or
     *     negative value
     */
    public static double margin(float[] p) {
        checkProbabilities(p, "margin");
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
        return p.length == 1 ? top1 : top1 - top2;
    }

    /**
     * How far the model's predicted action is from what the human driver did: the Euclidean
     * distance in (steering, acceleration) space divided by {@code 2√2}, the diameter of
     * [-1, 1]². For actions in [-1, 1] the result lies in [0, 1]; actions outside that range
     * saturate at 1.
     *
     * @throws IllegalArgumentException if any argument is NaN or infinite
     */
    public static double actionDisagreement(float predSteer, float predAccel, float humanSteer, float humanAccel) {
        checkFinite(predSteer, "predSteer");
        checkFinite(predAccel, "predAccel");
        checkFinite(humanSteer, "humanSteer");
        checkFinite(humanAccel, "humanAccel");
        double distance = Math.hypot((double) predSteer - humanSteer, (double) predAccel - humanAccel);
        return Math.min(1.0, distance / MAX_ACTION_DISTANCE);
    }

    private static void checkProbabilities(float[] p, String function) {
        if (p == null || p.length == 0) {
            throw new IllegalArgumentException(function + ": class probabilities are "
                    + (p == null ? "null" : "empty") + "; pass the scorer's softmax, one value per scene class");
        }
        for (int i = 0; i < p.length; i++) {
            float value = p[i];
            if (Float.isNaN(value) || Float.isInfinite(value) || value < 0f) {
                throw new IllegalArgumentException(function + ": class probability p[" + i + "] is " + value
                        + "; every probability must be a finite number >= 0 (check the scorer's softmax)");
            }
        }
    }

    private static void checkFinite(float value, String name) {
        if (Float.isNaN(value) || Float.isInfinite(value)) {
            throw new IllegalArgumentException("actionDisagreement: " + name + " is " + value
                    + "; actions must be finite numbers in [-1, 1]");
        }
    }

    private static double clampUnit(double value) {
        return Math.max(0.0, Math.min(1.0, value));
    }
}
