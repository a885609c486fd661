package io.gleaner.uncertainty.acquisition;

/**
 * Uncertainty from T sampled class distributions of one frame: T Monte-Carlo dropout passes, or
 * T heads of an ensemble. These see what a single softmax cannot: whether the model's samples
 * <i>disagree</i> (epistemic uncertainty, which labels can reduce) or agree on being unsure
 * (aleatoric, which they cannot).
 *
 * <p>{@code samples[t][c]} is sample t's probability of class c; every row must cover the same
 * classes in the same order, with finite values at least 0.
 */
public final class PosteriorSamples {
    private PosteriorSamples() {}

    /**
     * The mean distribution {@code p̄_c = (1/T) Σ_t p_t,c}, the Monte-Carlo estimate of the
     * predictive distribution (Gal &amp; Ghahramani, ICML 2016).
     *
     * @throws IllegalArgumentException if {@code samples} is null or empty, rows differ in length,
     *     or a value is NaN, infinite or negative
     */
    public static double[] mean(float[][] samples) {
        ArgumentCheck.samples("mean", "samples", samples);
        return meanOf(samples);
    }

    /**
     * Variation ratio, {@code 1 − f_m / T}, where {@code f_m} is how many of the T samples have
     * the modal class as their arg-max: 0 when every sample votes for the same class, up to
     * {@code 1 − 1/T} when they all vote differently. An arg-max tie within one sample goes to the
     * lowest class index.
     *
     * <p>Source: L. C. Freeman, <i>Elementary Applied Statistics</i>, Wiley, 1965; used for active
     * learning by Y. Gal, R. Islam, Z. Ghahramani, "Deep Bayesian Active Learning with Image
     * Data", ICML 2017, §3.
     *
     * @throws IllegalArgumentException if {@code samples} is null or empty, rows differ in length,
     *     or a value is NaN, infinite or negative
     */
    public static double variationRatio(float[][] samples) {
        ArgumentCheck.samples("variationRatio", "samples", samples);
        int[] votes = new int[samples[0].length];
        for (float[] sample : samples) {
            int argMax = 0;
            for (int c = 1; c < sample.length; c++) {
                if (sample[c] > sample[argMax]) {
                    argMax = c;
                }
            }
            votes[argMax]++;
        }
        int mode = 0;
        for (int count : votes) {
            mode = Math.max(mode, count);
        }
        return 1.0 - (double) mode / samples.length;
    }

    /**
     * BALD, the mutual information between the prediction and the model parameters, in nats:
     * {@code I = H(p̄) − (1/T) Σ_t H(p_t)}, with {@code H(q) = −Σ_c q_c·ln q_c} and {@code p̄} the
     * {@link #mean}. 0 when all samples are equal (however unsure each is); high when each sample
     * is confident about a different class. Clamped at 0, which it can only undershoot by
     * rounding (entropy is concave).
     *
     * <p>Source: N. Houlsby, F. Huszár, Z. Ghahramani, M. Lengyel, "Bayesian Active Learning for
     * Classification and Preference Learning", arXiv:1112.5745, 2011; estimated over dropout
     * samples as in Gal, Islam &amp; Ghahramani, ICML 2017, eq. (3).
     *
     * @throws IllegalArgumentException if {@code samples} is null or empty, rows differ in length,
     *     or a value is NaN, infinite or negative
     */
    public static double bald(float[][] samples) {
        ArgumentCheck.samples("bald", "samples", samples);
        double[] mean = meanOf(samples);
        double entropyOfMean = 0.0;
        for (double value : mean) {
            if (value > 0.0) {
                entropyOfMean -= value * Math.log(value);
            }
        }
        double meanEntropy = 0.0;
        for (float[] sample : samples) {
            meanEntropy += ClassProbabilities.entropyOf(sample);
        }
        meanEntropy /= samples.length;
        return Math.max(0.0, entropyOfMean - meanEntropy);
    }

    private static double[] meanOf(float[][] samples) {
        double[] mean = new double[samples[0].length];
        for (float[] sample : samples) {
            for (int c = 0; c < mean.length; c++) {
                mean[c] += sample[c];
            }
        }
        for (int c = 0; c < mean.length; c++) {
            mean[c] /= samples.length;
        }
        return mean;
    }
}
