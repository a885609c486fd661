package io.gleaner.app.bench.al;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The pool-based protocol of Gal, Islam &amp; Ghahramani, "Deep Bayesian Active Learning with Image
 * Data" (ICML 2017), on Fashion-MNIST: per seed, a random pool drawn from the training images and
 * a balanced initial labeled set shared by every strategy; each round the strategy picks B pool
 * images, their labels are revealed, and the classifier is retrained from scratch on all labels
 * so far and measured on the test images.
 */
final class PoolExperiment {
    /**
     * With one PyTorch thread the operators run on the calling thread, so its CPU time is the
     * curve's cost whatever the machine's load; the wall time is not.
     */
    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

    private PoolExperiment() {}

    /**
     * The learning curves of one run.
     *
     * @param config what was run
     * @param accuracy per strategy, {@code [seed][round]} test accuracy; round 0 is the initial set
     * @param seconds wall time of the whole run
     */
    record Result(PoolConfig config, Map<PoolStrategy, double[][]> accuracy, double seconds) {
        /** The mean over seeds of a strategy's curve. */
        double[] meanCurve(PoolStrategy strategy) {
            double[][] runs = accuracy.get(strategy);
            double[] mean = new double[runs[0].length];
            for (double[] run : runs) {
                for (int r = 0; r < run.length; r++) {
                    mean[r] += run[r] / runs.length;
                }
            }
            return mean;
        }

        /** Random's mean accuracy at its final budget: the accuracy every strategy must reach. */
        double target() {
            double[] random = meanCurve(PoolStrategy.RANDOM);
            return random[random.length - 1];
        }

        /** Labels a strategy's mean curve needs to reach {@link #target()}, NaN if it never does. */
        double labelsToReach(PoolStrategy strategy) {
            return LabelsToReach.of(config.labelCounts(), meanCurve(strategy), target());
        }

        /**
         * The strategy other than random needing the fewest labels to reach the target; when none
         * reaches it, the one with the highest final mean accuracy.
         */
        PoolStrategy best() {
            PoolStrategy best = null;
            for (PoolStrategy strategy : config.strategies()) {
                if (strategy == PoolStrategy.RANDOM) {
                    continue;
                }
                if (best == null || better(strategy, best)) {
                    best = strategy;
                }
            }
            return best;
        }

        private boolean better(PoolStrategy a, PoolStrategy b) {
            double la = labelsToReach(a);
            double lb = labelsToReach(b);
            if (!Double.isNaN(la) || !Double.isNaN(lb)) {
                return Double.isNaN(lb) || (!Double.isNaN(la) && la < lb);
            }
            double[] ca = meanCurve(a);
            double[] cb = meanCurve(b);
            return ca[ca.length - 1] > cb[cb.length - 1];
        }

        /** Random's labels ÷ the best strategy's labels to the same accuracy; NaN if the best never reaches it. */
        double labelRatio() {
            int[] counts = config.labelCounts();
            return counts[counts.length - 1] / labelsToReach(best());
        }
    }

    /** Runs every strategy on every seed; {@code progress} gets one line per finished curve. */
    static Result run(PoolConfig config, Consumer<String> progress) {
        TorchThreads.useOne();
        long started = System.nanoTime();
        FashionMnistArrays train = FashionMnistArrays.train(config.dataDir());
        FashionMnistArrays test = FashionMnistArrays.test(config.dataDir());
        int[] testIndices = Arrays.copyOf(permutation(test.size(), new Random(0x7e57L)), config.testSize());
        Map<PoolStrategy, double[][]> accuracy = new EnumMap<>(PoolStrategy.class);
        for (PoolStrategy strategy : config.strategies()) {
            accuracy.put(strategy, new double[config.seeds()][]);
        }
        for (int s = 0; s < config.seeds(); s++) {
            long seed = config.seed() + s;
            Random draw = new Random(seed);
            int[] pool = Arrays.copyOf(permutation(train.size(), draw), config.poolSize());
            int[] initial = balanced(pool, train.labels(), config.initialLabels());
            for (PoolStrategy strategy : config.strategies()) {
                long curveStarted = System.nanoTime();
                long cpuStarted = THREAD_CPU.getCurrentThreadCpuTime();
                double[] curve = curve(strategy, config, train, test, testIndices, pool, initial, seed);
                accuracy.get(strategy)[s] = curve;
                progress.accept(String.format(java.util.Locale.ROOT, "  seed %d %-17s %s  (%.0f s, %.0f s CPU)", seed,
                        strategy.configName(), Arrays.toString(Arrays.stream(curve)
                                .mapToObj(a -> String.format(java.util.Locale.ROOT, "%.3f", a)).toArray()),
                        (System.nanoTime() - curveStarted) / 1e9,
                        (THREAD_CPU.getCurrentThreadCpuTime() - cpuStarted) / 1e9));
            }
        }
        return new Result(config, accuracy, (System.nanoTime() - started) / 1e9);
    }

    private static double[] curve(PoolStrategy strategy, PoolConfig config, FashionMnistArrays train,
                                  FashionMnistArrays test, int[] testIndices, int[] pool, int[] initial, long seed) {
        Random picks = new Random(seed * 31 + strategy.ordinal());
        List<Integer> labeled = new ArrayList<>(Arrays.stream(initial).boxed().toList());
        boolean[] taken = new boolean[train.size()];
        for (int index : initial) {
            taken[index] = true;
        }
        double[] curve = new double[config.rounds() + 1];
        for (int round = 0; round <= config.rounds(); round++) {
            int[] labeledNow = labeled.stream().mapToInt(Integer::intValue).toArray();
            try (DropoutClassifier model = DropoutClassifier.train(train, labeledNow, config, seed * 1000 + round)) {
                curve[round] = model.accuracy(test, testIndices);
                if (round < config.rounds()) {
                    int[] unlabeled = Arrays.stream(pool).filter(i -> !taken[i]).toArray();
                    if (strategy != PoolStrategy.RANDOM && unlabeled.length > config.scoredSubset()) {
                        int[] order = permutation(unlabeled.length, picks);
                        int[] subset = new int[config.scoredSubset()];
                        for (int i = 0; i < subset.length; i++) {
                            subset[i] = unlabeled[order[i]];
                        }
                        unlabeled = subset;
                    }
                    for (int index : strategy.pick(model, train, unlabeled, labeledNow, config.acquireSize(),
                            config.mcPasses(), picks)) {
                        taken[index] = true;
                        labeled.add(index);
                    }
                }
            }
        }
        return curve;
    }

    /** The first {@code count / 10} pool images of each class, in pool order. */
    static int[] balanced(int[] pool, int[] labels, int count) {
        int perClass = count / FashionMnistArrays.CLASSES;
        int[] taken = new int[FashionMnistArrays.CLASSES];
        int[] out = new int[count];
        int n = 0;
        for (int index : pool) {
            if (taken[labels[index]] < perClass) {
                taken[labels[index]]++;
                out[n++] = index;
                if (n == count) {
                    return out;
                }
            }
        }
        throw new IllegalArgumentException("the pool holds fewer than " + perClass + " images of some class; "
                + "use a larger --pool-size or fewer --initial-labels");
    }

    private static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
