package io.gleaner.uncertainty;

/**
 * When a named trigger fires on its function's score: at a fixed threshold, or at a target rate
 * against an online estimate of the score's quantile.
 */
public sealed interface TriggerRule permits TriggerRule.Threshold, TriggerRule.TopRate {

    /**
     * Fires when the score is at or above {@code value}.
     *
     * @param value the threshold, finite
     */
    record Threshold(double value) implements TriggerRule {
        public Threshold {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("trigger threshold is " + value + "; it must be a finite number");
            }
        }
    }

    /**
     * Fires on about the top {@code rate} of frames: when the score is strictly above the running
     * {@link P2Quantile} estimate of the {@code 1 − rate} quantile of the scores seen before it,
     * once {@code minObservations} scores were seen. Strictly above, so that a stream of equal
     * scores (a function the scorer does not compute yet sends 0) fires nothing rather than
     * everything.
     *
     * @param rate the share of frames to fire on, in (0, 1), e.g. 0.005 for the top 0.5%
     * @param minObservations scores to see before the first firing, at least 5 (P² needs five)
     */
    record TopRate(double rate, int minObservations) implements TriggerRule {
        /** Scores a top-rate trigger sees before it first fires, unless told otherwise. */
        public static final int DEFAULT_MIN_OBSERVATIONS = 100;

        public TopRate {
            if (!(rate > 0.0 && rate < 1.0)) {
                throw new IllegalArgumentException("trigger top rate is " + rate
                        + "; it must be in (0, 1), e.g. 0.005 for the top 0.5% of frames");
            }
            if (minObservations < 5) {
                throw new IllegalArgumentException("trigger minimum observations is " + minObservations
                        + "; it must be at least 5, the observations the P² estimator starts from");
            }
        }

        /** The top {@code rate} after {@value #DEFAULT_MIN_OBSERVATIONS} scores. */
        public TopRate(double rate) {
            this(rate, DEFAULT_MIN_OBSERVATIONS);
        }

        /** The quantile whose estimate is the threshold: {@code 1 − rate}. */
        public double quantile() {
            return 1.0 - rate;
        }
    }
}
