package io.gleaner.app.bench.al;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The shape of one pool-based benchmark run.
 *
 * @param dataDir where the Fashion-MNIST IDX files are
 * @param poolSize images drawn at random (per seed) from the 60,000 training images as the unlabeled pool
 * @param testSize test images the accuracy is measured on (the first of a fixed shuffle of the 10,000)
 * @param initialLabels the balanced starting set, a multiple of 10
 * @param acquireSize images labeled per round (B)
 * @param rounds acquisition rounds after the initial model
 * @param scoredSubset unlabeled images a strategy scores each round, drawn at random from the
 *     pool (Gal et al. score a random 2,000 each round too; it keeps T passes affordable)
 * @param mcPasses dropout passes (T) per scored image for BALD, variation ratio and max entropy
 * @param seeds repetitions, seeds {@code seed, seed+1, …}
 * @param trainSteps Adam updates per training from scratch
 * @param batchSize training mini-batch
 * @param learningRate Adam's learning rate
 * @param weightDecay Adam's weight decay
 * @param strategies the strategies to compare; must include random
 * @param seed the first seed
 */
record PoolConfig(Path dataDir, int poolSize, int testSize, int initialLabels, int acquireSize, int rounds,
                  int scoredSubset, int mcPasses, int seeds, int trainSteps, int batchSize, float learningRate, float weightDecay,
                  List<PoolStrategy> strategies, long seed) {

    PoolConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        require(poolSize >= 100 && poolSize <= 60_000, "pool-size", poolSize, "100..60000");
        require(testSize >= 100 && testSize <= 10_000, "test-size", testSize, "100..10000");
        require(initialLabels >= 10 && initialLabels % 10 == 0, "initial-labels", initialLabels, "a multiple of 10, at least 10");
        require(acquireSize >= 1, "acquire", acquireSize, "at least 1");
        require(rounds >= 1, "rounds", rounds, "at least 1");
        require(initialLabels + acquireSize * rounds < poolSize, "rounds", rounds,
                "small enough that initial-labels + acquire × rounds stays below pool-size " + poolSize);
        require(scoredSubset >= acquireSize, "scored-subset", scoredSubset, "at least --acquire " + acquireSize);
        require(mcPasses >= 2, "mc-passes", mcPasses, "at least 2");
        require(seeds >= 1, "seeds", seeds, "at least 1");
        require(trainSteps >= 1, "train-steps", trainSteps, "at least 1");
        require(batchSize >= 1, "batch-size", batchSize, "at least 1");
        if (!(learningRate > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("learning rate " + learningRate + " must be above 0 and weight decay "
                    + weightDecay + " at least 0");
        }
        strategies = List.copyOf(strategies);
        if (!strategies.contains(PoolStrategy.RANDOM) || strategies.size() < 2) {
            throw new IllegalArgumentException("--strategies " + strategies
                    + " must include random and at least one other strategy: the benchmark compares against random");
        }
    }

    /**
     * The default size: all strategies, 3 seeds, 20 → 1,520 labels (+150 × 10 rounds) on a 10k
     * pool. The label ratio is taken at random's final budget, so the budget runs to where random's
     * curve has flattened (0.800 → 0.806 over its last 750 labels), past Gal et al.'s 20 → 1,000
     * (at 1,020 labels the ratio was 2.52, at 1,520 3.10); B = 150 rather than their 10 keeps it to
     * 11 trainings per curve, about 7 minutes of CPU.
     */
    static PoolConfig defaults() {
        return new PoolConfig(Path.of("/usr/share/datasets/fashion-mnist"), 10_000, 10_000, 20, 150, 10, 2_000, 20, 3, 400, 64,
                1e-3f, 1e-4f, List.of(PoolStrategy.values()), 1L);
    }

    /** The CI size: one seed, margin and random, 20 → 300 labels (+40 × 7) on a 3k pool, about 15 s of CPU. */
    static PoolConfig quick() {
        return new PoolConfig(Path.of("/usr/share/datasets/fashion-mnist"), 3_000, 2_000, 20, 40, 7, 1_000, 10, 1, 200, 64,
                1e-3f, 1e-4f, List.of(PoolStrategy.MARGIN, PoolStrategy.RANDOM), 1L);
    }

    /** Labels after each round, initial set first. */
    int[] labelCounts() {
        int[] counts = new int[rounds + 1];
        for (int r = 0; r <= rounds; r++) {
            counts[r] = initialLabels + r * acquireSize;
        }
        return counts;
    }

    private static void require(boolean ok, String name, int value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException("--" + name + " is " + value + "; it must be " + allowed);
        }
    }
}
