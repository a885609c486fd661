package io.gleaner.app.bench.al;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench al pool}: test accuracy against labels for each acquisition strategy on
 * Fashion-MNIST ({@link PoolExperiment}), the labels each needs to reach the accuracy random has at
 * its final budget, a CSV and a PNG of the curves, and one {@code RESULT} line.
 */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Pool-based active learning on Fashion-MNIST (Gal et al. 2017 protocol): every strategy vs random.")
public final class PoolBenchmark implements Callable<Integer> {
    @Option(names = "--quick", description = "The CI size: 1 seed, margin and random, 20 → 300 labels on a 3k pool.")
    boolean quick;

    @Option(names = "--data-dir", description = "Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist).")
    Path dataDir;

    @Option(names = "--pool-size", description = "Unlabeled pool drawn from the 60k training images (default 10000).")
    Integer poolSize;

    @Option(names = "--acquire", description = "Images labeled per round, B (default 150).")
    Integer acquire;

    @Option(names = "--rounds", description = "Acquisition rounds (default 10).")
    Integer rounds;

    @Option(names = "--scored-subset", description = "Unlabeled images scored per round, drawn from the pool (default 2000).")
    Integer scoredSubset;

    @Option(names = "--mc-passes", description = "Dropout passes T per pool image (default 20).")
    Integer mcPasses;

    @Option(names = "--train-steps", description = "Adam updates per training from scratch (default 400).")
    Integer trainSteps;

    @Option(names = "--batch-size", description = "Training mini-batch (default 64).")
    Integer batchSize;

    @Option(names = "--seeds", description = "Repetitions (default 3).")
    Integer seeds;

    @Option(names = "--strategies", split = ",",
            description = "Comma-separated: bald, variation-ratio, max-entropy, margin, least-confidence, core-set, margin-core-set, random (default all).")
    List<String> strategies;

    @Option(names = "--out", defaultValue = "gleaner-data/bench-al-pool",
            description = "Folder for curves.csv and curves.png (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        PoolConfig config = config();
        System.out.println(BenchConditions.describe());
        System.out.printf(Locale.ROOT, "Fashion-MNIST pool %d, test %d, start %d balanced labels, +%d per round × %d rounds,"
                        + " %d scored per round, T=%d dropout passes, %d seed(s), MLP 784-256-128-10 retrained from scratch (%d Adam steps of %d, cosine-decayed rate)%n",
                config.poolSize(), config.testSize(), config.initialLabels(), config.acquireSize(), config.rounds(),
                config.scoredSubset(), config.mcPasses(), config.seeds(), config.trainSteps(), config.batchSize());
        PoolExperiment.Result result = PoolExperiment.run(config, System.out::println);
        print(result);
        return 0;
    }

    PoolConfig config() {
        PoolConfig base = quick ? PoolConfig.quick() : PoolConfig.defaults();
        return new PoolConfig(dataDir != null ? dataDir : base.dataDir(),
                poolSize != null ? poolSize : base.poolSize(), base.testSize(), base.initialLabels(),
                acquire != null ? acquire : base.acquireSize(), rounds != null ? rounds : base.rounds(),
                scoredSubset != null ? scoredSubset : base.scoredSubset(),
                mcPasses != null ? mcPasses : base.mcPasses(), seeds != null ? seeds : base.seeds(),
                trainSteps != null ? trainSteps : base.trainSteps(), batchSize != null ? batchSize : base.batchSize(), base.learningRate(), base.weightDecay(),
                strategies != null ? strategies.stream().map(String::trim).map(PoolStrategy::byName).toList()
                        : base.strategies(),
                base.seed());
    }

    private void print(PoolExperiment.Result result) {
        PoolConfig config = result.config();
        int[] counts = config.labelCounts();
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%7s", "labels"));
        for (PoolStrategy strategy : config.strategies()) {
            header.append(String.format(Locale.ROOT, " %17s", strategy.configName()));
        }
        System.out.println();
        System.out.println("test accuracy, mean of " + config.seeds() + " seed(s)");
        System.out.println(header);
        List<String> csv = new ArrayList<>();
        csv.add("strategy,seed,labels,accuracy");
        for (int r = 0; r < counts.length; r++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%7d", counts[r]));
            for (PoolStrategy strategy : config.strategies()) {
                row.append(String.format(Locale.ROOT, " %17.4f", result.meanCurve(strategy)[r]));
                double[][] runs = result.accuracy().get(strategy);
                for (int s = 0; s < runs.length; s++) {
                    csv.add(String.format(Locale.ROOT, "%s,%d,%d,%.4f", strategy.configName(), config.seed() + s,
                            counts[r], runs[s][r]));
                }
            }
            System.out.println(row);
        }
        double target = result.target();
        System.out.printf(Locale.ROOT, "%nlabels to reach random's final accuracy %.4f (random: %d labels)%n", target,
                counts[counts.length - 1]);
        for (PoolStrategy strategy : config.strategies()) {
            System.out.printf(Locale.ROOT, "  %-17s %s%n", strategy.configName(), labelsToReach(result, strategy));
        }
        Path csvFile = out.resolve("curves.csv");
        Path pngFile = out.resolve("curves.png");
        CurvePlot plot = new CurvePlot("Fashion-MNIST pool-based active learning (mean of " + config.seeds() + " seeds)",
                "labeled images", "test accuracy");
        double[] x = Arrays.stream(counts).asDoubleStream().toArray();
        for (PoolStrategy strategy : config.strategies()) {
            plot.add(strategy.configName(), x, result.meanCurve(strategy));
        }
        try {
            Files.createDirectories(out);
            Files.write(csvFile, csv);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + csvFile + ": " + e.getMessage(), e);
        }
        plot.write(pngFile);
        System.out.printf(Locale.ROOT, "wrote %s and %s; took %.0f s%n", csvFile, pngFile, result.seconds());
        System.out.printf(Locale.ROOT, "RESULT bench-al-pool label_ratio=%.2f best=%s seeds=%d%n", result.labelRatio(),
                result.best().configName(), config.seeds());
    }

    /**
     * A strategy's entry under "labels to reach random's final accuracy". Random is the yardstick
     * itself (the target is its accuracy at its full budget), so its entry says so rather than
     * comparing it with itself.
     */
    private static String labelsToReach(PoolExperiment.Result result, PoolStrategy strategy) {
        int[] counts = result.config().labelCounts();
        int randomLabels = counts[counts.length - 1];
        if (strategy == PoolStrategy.RANDOM) {
            return String.format(Locale.ROOT, "%6d  (baseline)", randomLabels);
        }
        double labels = result.labelsToReach(strategy);
        return Double.isNaN(labels) ? "not reached within " + randomLabels
                : String.format(Locale.ROOT, "%6.1f  (%.2fx fewer than random)", labels, randomLabels / labels);
    }
}
