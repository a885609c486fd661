package io.gleaner.uncertainty;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Shares harvest priority between triggers by their yield: how often a frame a trigger harvested
 * turned out, once labeled, to show a model error. Thompson sampling on Beta posteriors (Thompson
 * 1933; Chapelle &amp; Li 2011, "An Empirical Evaluation of Thompson Sampling"): trigger {@code t}
 * with {@code n} labeled harvests of which {@code e} revealed an error has yield posterior
 * {@code Beta(1 + e, 1 + n − e)}; its share is the probability that it has the highest yield,
 * estimated from {@code samples} joint draws, mixed with a uniform floor for exploration:
 * <pre>share(t) = floor / K + (1 − floor) · P̂(t is best)</pre>
 * for {@code K} triggers, so every trigger keeps at least {@code floor / K} and the shares sum to 1.
 * Pure and deterministic: the draws come from a {@link Random} seeded with {@code seed} on every
 * call, so the same counts give the same shares on every instance and every replay.
 */
public final class TriggerBandit {
    /**
     * A trigger's labeled harvests so far.
     *
     * @param labeled how many of its harvests were labeled, at least 0
     * @param errors how many of those revealed a model error, in [0, labeled]
     */
    public record Counts(long labeled, long errors) {
        public Counts {
            if (labeled < 0 || errors < 0 || errors > labeled) {
                throw new IllegalArgumentException("trigger yield counts are " + errors + " errors of " + labeled
                        + " labeled; errors must be in [0, labeled]");
            }
        }

        /** These counts with one more labeled harvest, an error or not. */
        public Counts plus(boolean erred) {
            return new Counts(labeled + 1, errors + (erred ? 1 : 0));
        }

        /** The posterior mean yield {@code (1 + e) / (2 + n)}. */
        public double meanYield() {
            return (1.0 + errors) / (2.0 + labeled);
        }
    }

    private final double floor;
    private final int samples;
    private final long seed;

    /**
     * @param floor share of the allocation spread evenly, in [0, 1]: the exploration floor
     * @param samples joint posterior draws per allocation, at least 1
     * @param seed seeds the draws
     */
    public TriggerBandit(double floor, int samples, long seed) {
        if (!(floor >= 0.0 && floor <= 1.0)) {
            throw new IllegalArgumentException("selection.yield.floor is " + floor + "; it must be in [0, 1], e.g. 0.2");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("selection.yield.samples is " + samples + "; it must be at least 1");
        }
        this.floor = floor;
        this.samples = samples;
        this.seed = seed;
    }

    /** Each trigger's share, in the iteration order of {@code counts}; empty for no triggers. */
    public Map<String, Double> shares(Map<String, Counts> counts) {
        Objects.requireNonNull(counts, "counts");
        List<String> names = new ArrayList<>(counts.keySet());
        int k = names.size();
        Map<String, Double> shares = new LinkedHashMap<>();
        if (k == 0) {
            return shares;
        }
        long[] wins = new long[k];
        Random random = new Random(seed);
        for (int s = 0; s < samples; s++) {
            int best = 0;
            double bestDraw = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < k; t++) {
                Counts c = counts.get(names.get(t));
                double draw = beta(random, 1.0 + c.errors(), 1.0 + c.labeled() - c.errors());
                if (draw > bestDraw) {
                    bestDraw = draw;
                    best = t;
                }
            }
            wins[best]++;
        }
        for (int t = 0; t < k; t++) {
            shares.put(names.get(t), floor / k + (1.0 - floor) * wins[t] / samples);
        }
        return shares;
    }

    /** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
    static double beta(Random random, double a, double b) {
        double x = gamma(random, a);
        double y = gamma(random, b);
        return x / (x + y);
    }

    /**
     * A Gamma(shape, 1) draw for {@code shape >= 1} (the posteriors here always have), by Marsaglia
     * &amp; Tsang 2000, "A Simple Method for Generating Gamma Variables".
     */
    static double gamma(Random random, double shape) {
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9.0 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1.0 + c * x;
            if (v <= 0.0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1.0 - v + Math.log(v))) {
                return d * v;
            }
        }
    }
}
