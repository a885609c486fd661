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
     * {@link WarmStartQuantile} estimate of the {@code 1 − rate} quantile of the scores seen before
     * it — exact over the first {@link #exactObservations()} scores, then {@link P2Quantile}'s —
     * once {@code minObservations} scores were seen. Strictly above, so that a stream of equal
     * scores (a function the scorer does not compute yet sends 0) fires nothing rather than
     * everything.
     *
     * @param rate the share of frames to fire on, in (0, 1), e.g. 0.005 for the top 0.5%
     * @param minObservations scores to see before the first firing, at least 5 (P² needs five);
     *     by default {@link #defaultMinObservations(double)}, the fewest that resolve the top rate
     */
    record TopRate(double rate, int minObservations) implements TriggerRule {
        /** Most scores a trigger keeps exactly before P² takes over: 16 KiB of state per trigger per task. */
        public static final int MAX_EXACT_OBSERVATIONS = 2_000;
        /**
         * Scores kept exactly per expected firing: at {@code 10 / rate} scores the exact estimate
         * rests on ten scores above it, and P², fed every score from the first, fired within 10%
         * of the target rate from there on in the tests on uniform and skewed streams.
         */
        private static final double EXACT_FIRINGS = 10.0;

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

        /** The top {@code rate} from {@link #defaultMinObservations(double)} scores on. */
        public TopRate(double rate) {
            this(rate, defaultMinObservations(rate));
        }

        /**
         * The fewest scores {@code n} whose exact {@code 1 − rate} quantile is not simply their
         * largest, {@code ⌈(1 − rate) / rate⌉} (at least 5): from there a trigger fires at the target
         * rate; before, firing above the largest score seen would fire more often than the rate.
         * 49 for the top 2%, 199 for the top 0.5%.
         */
        public static int defaultMinObservations(double rate) {
            if (!(rate > 0.0 && rate < 1.0)) {
                throw new IllegalArgumentException("trigger top rate is " + rate
                        + "; it must be in (0, 1), e.g. 0.005 for the top 0.5% of frames");
            }
            return (int) Math.max(5, Math.min(Integer.MAX_VALUE, Math.ceil((1.0 - rate) / rate - 1e-9)));
        }

        /** The quantile whose estimate is the threshold: {@code 1 − rate}. */
        public double quantile() {
            return 1.0 - rate;
        }

        /**
         * Scores kept exactly before P² takes over: {@code ⌈10 / rate⌉}, at least 5 and at most
         * {@value #MAX_EXACT_OBSERVATIONS}; 500 for the top 2%.
         */
        public int exactObservations() {
            return (int) Math.max(5, Math.min(MAX_EXACT_OBSERVATIONS, Math.ceil(EXACT_FIRINGS / rate - 1e-9)));
        }
    }
}
