package io.gleaner.app.bench.al;

import io.gleaner.uncertainty.acquisition.BatchDiversity;
import io.gleaner.uncertainty.acquisition.ClassProbabilities;
import io.gleaner.uncertainty.acquisition.PosteriorSamples;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * How the pool benchmark picks the next images to label: the engine's acquisition functions
 * ({@code io.gleaner.uncertainty.acquisition}), each taking the top-scoring unlabeled images, the
 * core-set picking a covering batch, and random as the baseline.
 */
enum PoolStrategy {
    /** {@link PosteriorSamples#bald} over the MC-dropout samples. */
    BALD("bald"),
    /** {@link PosteriorSamples#variationRatio} over the MC-dropout samples. */
    VARIATION_RATIO("variation-ratio"),
    /** {@link ClassProbabilities#entropy} of the MC-dropout mean ("max entropy" in Gal et al.). */
    MAX_ENTROPY("max-entropy"),
    /** Smallest {@link ClassProbabilities#margin} of the deterministic prediction first. */
    MARGIN("margin"),
    /** {@link ClassProbabilities#leastConfidence} of the deterministic prediction. */
    LEAST_CONFIDENCE("least-confidence"),
    /** {@link BatchDiversity#kCenterGreedy} on the classifier's penultimate-layer embeddings. */
    CORE_SET("core-set"),
    /**
     * Margin for informativeness, k-center for diversity: the {@value #SHORTLIST_FACTOR}·B
     * smallest-margin images, then {@link BatchDiversity#kCenterGreedy} picks B of them that
     * cover the shortlist away from the labeled set, so a batch does not pile up on one boundary.
     */
    MARGIN_CORE_SET("margin-core-set"),
    /** Uniformly at random, the baseline. */
    RANDOM("random");

    /** Shortlist size of {@link #MARGIN_CORE_SET}, in multiples of the batch B. */
    static final int SHORTLIST_FACTOR = 10;

    private final String configName;

    PoolStrategy(String configName) {
        this.configName = configName;
    }

    String configName() {
        return configName;
    }

    /** Whether this strategy needs the MC-dropout samples of the pool. */
    boolean usesDropoutSamples() {
        return this == BALD || this == VARIATION_RATIO || this == MAX_ENTROPY;
    }

    /** The strategy of a configuration name, e.g. {@code variation-ratio}. */
    static PoolStrategy byName(String name) {
        for (PoolStrategy strategy : values()) {
            if (strategy.configName.equals(name)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + name + "'; use one of "
                + Arrays.stream(values()).map(PoolStrategy::configName).toList());
    }

    /**
     * Picks {@code budget} of the {@code unlabeled} pool indices to label next.
     *
     * @param labeled the indices labeled so far (the core-set covers away from them)
     * @param random the run's random source, used by {@link #RANDOM} only
     */
    int[] pick(DropoutClassifier model, FashionMnistArrays data, int[] unlabeled, int[] labeled, int budget,
               int passes, Random random) {
        return switch (this) {
            case RANDOM -> {
                int[] copy = unlabeled.clone();
                for (int i = 0; i < budget; i++) {
                    int j = i + random.nextInt(copy.length - i);
                    int swap = copy[i];
                    copy[i] = copy[j];
                    copy[j] = swap;
                }
                yield Arrays.copyOf(copy, budget);
            }
            case CORE_SET -> {
                int[] picks = BatchDiversity.kCenterGreedy(model.embeddings(data, unlabeled),
                        model.embeddings(data, labeled), budget);
                yield Arrays.stream(picks).map(i -> unlabeled[i]).toArray();
            }
            case BALD, VARIATION_RATIO, MAX_ENTROPY -> {
                float[][][] samples = model.dropoutSamples(data, unlabeled, passes);
                double[] scores = new double[unlabeled.length];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = switch (this) {
                        case BALD -> PosteriorSamples.bald(samples[i]);
                        case VARIATION_RATIO -> PosteriorSamples.variationRatio(samples[i]);
                        default -> ClassProbabilities.entropy(toFloats(PosteriorSamples.mean(samples[i])));
                    };
                }
                yield top(unlabeled, scores, budget);
            }
            case MARGIN_CORE_SET -> {
                int[] shortlist = MARGIN.pick(model, data, unlabeled, labeled,
                        Math.min(unlabeled.length, SHORTLIST_FACTOR * budget), passes, random);
                int[] picks = BatchDiversity.kCenterGreedy(model.embeddings(data, shortlist),
                        model.embeddings(data, labeled), budget);
                yield Arrays.stream(picks).map(i -> shortlist[i]).toArray();
            }
            case MARGIN, LEAST_CONFIDENCE -> {
                float[][] p = model.probabilities(data, unlabeled);
                double[] scores = new double[unlabeled.length];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = this == MARGIN
                            ? -ClassProbabilities.margin(p[i])
                            : ClassProbabilities.leastConfidence(p[i]);
                }
                yield top(unlabeled, scores, budget);
            }
        };
    }

    /** The indices of the {@code budget} highest scores, ties to the lower position. */
    static int[] top(int[] indices, double[] scores, int budget) {
        return IntStream.range(0, indices.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .limit(budget)
                .mapToInt(i -> indices[i])
                .toArray();
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
