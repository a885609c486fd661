package io.gleaner.uncertainty.acquisition;

/**
 * Acquisition functions of the regressed driving action (steering, acceleration, each in
 * [-1, 1]): how much the model's samples of the action disagree with each other, and how far the
 * model's action is from what the human driver did.
 */
public final class ActionHead {
    /**
     * The spread floor {@link #surprise} uses when told nothing else: 0.05, a twentieth of an
     * action's half-range. A scorer that reports spread 0 (no dropout, one head) then gets a
     * z-score that is the action error in units of 0.05, rather than a division by zero.
     */
    public static final double DEFAULT_SPREAD_FLOOR = 0.05;

    /** The largest distance between two actions in [-1, 1]², from (-1, -1) to (1, 1). */
    private static final double MAX_ACTION_DISTANCE = 2.0 * Math.sqrt(2.0);

    private ActionHead() {}

    /**
     * Population variance of T samples of one action component, {@code (1/T) Σ_t (x_t − x̄)²}: the
     * ensemble / MC-dropout predictive variance of a regression head. 0 for one sample.
     *
     * <p>Source: B. Lakshminarayanan, A. Pritzel, C. Blundell, "Simple and Scalable Predictive
     * Uncertainty Estimation using Deep Ensembles", NeurIPS 2017, §2.4 (mixture variance with
     * equal-weight members, the members' own variances left out).
     *
     * @throws IllegalArgumentException if {@code samples} is null, empty, or holds NaN or infinity
     */
    public static double variance(float[] samples) {
        ArgumentCheck.finiteValues("variance", "samples", samples);
        return varianceOf(samples);
    }

    /**
     * The action head's total variance over T samples, {@code Var(steering) + Var(acceleration)}
     * (the trace of the samples' covariance), each a {@link #variance}.
     *
     * @param steering T steering samples
     * @param acceleration T acceleration samples, the same T
     * @throws IllegalArgumentException if either is null, empty, holds NaN or infinity, or their
     *     lengths differ
     */
    public static double actionVariance(float[] steering, float[] acceleration) {
        ArgumentCheck.finiteValues("actionVariance", "steering", steering);
        ArgumentCheck.finiteValues("actionVariance", "acceleration", acceleration);
        if (steering.length != acceleration.length) {
            throw new IllegalArgumentException("actionVariance: steering has " + steering.length
                    + " samples but acceleration has " + acceleration.length
                    + "; pass one (steering, acceleration) pair per sample");
        }
        return varianceOf(steering) + varianceOf(acceleration);
    }

    /**
     * How far the model's predicted action is from the human's, on a fixed scale: the Euclidean
     * distance in (steering, acceleration) divided by {@code 2√2}, the diameter of [-1, 1]². In
     * [0, 1] for actions in [-1, 1]; actions outside that range saturate at 1.
     *
     * @throws IllegalArgumentException if any argument is NaN or infinite
     */
    public static double disagreement(float predSteer, float predAccel, float humanSteer, float humanAccel) {
        ArgumentCheck.finite("disagreement", "predSteer", predSteer);
        ArgumentCheck.finite("disagreement", "predAccel", predAccel);
        ArgumentCheck.finite("disagreement", "humanSteer", humanSteer);
        ArgumentCheck.finite("disagreement", "humanAccel", humanAccel);
        double distance = Math.hypot((double) predSteer - humanSteer, (double) predAccel - humanAccel);
        return Math.min(1.0, distance / MAX_ACTION_DISTANCE);
    }

    /**
     * Model-vs-human action disagreement as a z-score: the human's action measured in units of the
     * model's own predicted spread,
     * {@code z = √( (Δs / max(σs, floor))² + (Δa / max(σa, floor))² )} with {@code Δ = predicted −
     * human} per component. A confident wrong prediction (small σ) scores far higher than an
     * equally wrong but unsure one, which is what makes it worth a label. It is the Mahalanobis
     * distance under a diagonal covariance (P. C. Mahalanobis, "On the generalised distance in
     * statistics", 1936); the spread is the predictive standard deviation of the head, as in
     * A. Kendall, Y. Gal, "What Uncertainties Do We Need in Bayesian Deep Learning for Computer
     * Vision?", NeurIPS 2017.
     *
     * <p>The floor keeps a spread of 0 (a scorer without dropout or heads sends 0) from dividing by
     * zero and caps how much a near-zero spread can inflate the score; use
     * {@link #DEFAULT_SPREAD_FLOOR} unless the scorer's spreads are calibrated.
     *
     * @param steeringSpread the predicted standard deviation of steering, at least 0
     * @param accelerationSpread the predicted standard deviation of acceleration, at least 0
     * @param spreadFloor the smallest spread divided by, above 0
     * @throws IllegalArgumentException if any argument is NaN or infinite, a spread is negative or
     *     the floor is not above 0
     */
    public static double surprise(float predSteer, float predAccel, float humanSteer, float humanAccel,
            float steeringSpread, float accelerationSpread, double spreadFloor) {
        ArgumentCheck.finite("surprise", "predSteer", predSteer);
        ArgumentCheck.finite("surprise", "predAccel", predAccel);
        ArgumentCheck.finite("surprise", "humanSteer", humanSteer);
        ArgumentCheck.finite("surprise", "humanAccel", humanAccel);
        checkSpread("steeringSpread", steeringSpread);
        checkSpread("accelerationSpread", accelerationSpread);
        if (!(spreadFloor > 0.0) || Double.isInfinite(spreadFloor)) {
            throw new IllegalArgumentException("surprise: spreadFloor is " + spreadFloor
                    + "; it must be a finite number above 0, e.g. ActionHead.DEFAULT_SPREAD_FLOOR = "
                    + DEFAULT_SPREAD_FLOOR);
        }
        double zSteer = ((double) predSteer - humanSteer) / Math.max(steeringSpread, spreadFloor);
        double zAccel = ((double) predAccel - humanAccel) / Math.max(accelerationSpread, spreadFloor);
        return Math.hypot(zSteer, zAccel);
    }

    private static void checkSpread(String argument, float spread) {
        ArgumentCheck.finite("surprise", argument, spread);
        if (spread < 0f) {
            throw new IllegalArgumentException("surprise: " + argument + " is " + spread
                    + "; a spread is a standard deviation and must be >= 0");
        }
    }

    private static double varianceOf(float[] samples) {
        double mean = 0.0;
        for (float x : samples) {
            mean += x;
        }
        mean /= samples.length;
        double sum = 0.0;
        for (float x : samples) {
            double d = x - mean;
            sum += d * d;
        }
        return sum / samples.length;
    }
}
