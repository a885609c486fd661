package io.gleaner.app.bench.al;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench al stream}: precision and recall of the frames each of the engine's
 * triggers harvests from a fleet-simulator stream, over rare scenarios and over human mistakes, at
 * a harvest budget equal to the rare-event rate, against random at the same budget
 * ({@link StreamExperiment}); a CSV and a PNG of precision against budget, and one {@code RESULT}
 * line whose figures are over "rare scenario or human mistake".
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Stream-based selection on the fleet simulator, scored offline (no Kafka): each trigger vs random.")
public final class StreamBenchmark implements Callable<Integer> {
    @Option(names = "--quick", description = "The CI size: a 600-frame seed model, a 4,000-frame stream, budget 1x only.")
    boolean quick;

    @Option(names = "--frames", description = "Stream frames (default 20000).")
    Integer frames;

    @Option(names = "--seed-frames", description = "Frames the seed model is trained on (default 2000, as the demo).")
    Integer seedFrames;

    @Option(names = "--seed-epochs", description = "Seed model epochs (default 4, as the demo).")
    Integer seedEpochs;

    @Option(names = "--rare-rate", description = "The simulator's rare-scenario share and so the budget (default 0.02).")
    Double rareRate;

    @Option(names = "--out", defaultValue = "gleaner-data/bench-al-stream",
            description = "Folder for selectors.csv and precision.png (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        StreamConfig base = quick ? StreamConfig.quick() : StreamConfig.defaults();
        StreamConfig config = new StreamConfig(seedFrames != null ? seedFrames : base.seedFrames(),
                seedEpochs != null ? seedEpochs : base.seedEpochs(), frames != null ? frames : base.streamFrames(),
                rareRate != null ? rareRate : base.rareRate(), base.budgetMultiples(), base.seed());
        System.out.println(BenchConditions.describe());
        System.out.printf(Locale.ROOT, "fleet simulator: %d stream frames, %.1f%% rare scenarios, 1%% human mistakes;"
                        + " seed model behaviour-cloned on %d frames × %d epochs (SeedTrainer, as the demo);"
                        + " scored offline, no Kafka: the engine's NamedTriggers run over the frames in stream order%n",
                config.streamFrames(), 100 * config.rareRate(), config.seedFrames(), config.seedEpochs());
        StreamExperiment.Result result = StreamExperiment.run(config, System.out::println);
        print(result);
        return 0;
    }

    private void print(StreamExperiment.Result result) {
        StreamConfig config = result.config();
        long n = config.streamFrames();
        System.out.printf(Locale.ROOT, "%nstream: %d frames, %d rare (%.2f%%), %d human mistakes (%.2f%%), %d either (%.2f%%)%n",
                n, result.rareFrames(), 100.0 * result.rareFrames() / n, result.humanErrors(),
                100.0 * result.humanErrors() / n, result.eitherFrames(), 100.0 * result.eitherFrames() / n);
        List<String> csv = new ArrayList<>();
        csv.add("budget,selector,harvested,rare_precision,rare_recall,error_precision,error_recall,either_precision,either_recall");
        Map<String, double[][]> curves = new LinkedHashMap<>();
        int b = 0;
        for (Map.Entry<Double, List<StreamExperiment.SelectorScore>> budget : result.budgets().entrySet()) {
            System.out.printf(Locale.ROOT, "%nbudget %.2f%% of frames (%.1fx the rare rate)%n", 100 * budget.getKey(),
                    budget.getKey() / config.rareRate());
            System.out.printf(Locale.ROOT, "%-25s %9s | %9s %7s | %9s %7s | %9s %7s%n", "selector", "harvested",
                    "rare prec", "recall", "err prec", "recall", "any prec", "recall");
            for (StreamExperiment.SelectorScore s : budget.getValue()) {
                System.out.printf(Locale.ROOT, "%-25s %9d | %8.1f%% %6.1f%% | %8.1f%% %6.1f%% | %8.1f%% %6.1f%%%n",
                        s.selector(), s.either().harvested(), 100 * s.rare().precision(), 100 * s.rare().recall(),
                        100 * s.humanError().precision(), 100 * s.humanError().recall(),
                        100 * s.either().precision(), 100 * s.either().recall());
                csv.add(String.format(Locale.ROOT, "%.4f,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f", budget.getKey(),
                        s.selector(), s.either().harvested(), s.rare().precision(), s.rare().recall(),
                        s.humanError().precision(), s.humanError().recall(), s.either().precision(),
                        s.either().recall()));
                double[][] curve = curves.computeIfAbsent(s.selector(),
                        k -> new double[2][result.budgets().size()]);
                curve[0][b] = budget.getKey() / config.rareRate();
                curve[1][b] = s.either().precision();
            }
            b++;
        }
        Path csvFile = out.resolve("selectors.csv");
        Path pngFile = out.resolve("precision.png");
        CurvePlot plot = new CurvePlot("Fleet stream: precision of harvested frames (rare scenario or human mistake)",
                "harvest budget, multiples of the rare rate", "precision");
        curves.forEach((name, curve) -> plot.add(name, curve[0], curve[1]));
        try {
            Files.createDirectories(out);
            Files.write(csvFile, csv);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + csvFile + ": " + e.getMessage(), e);
        }
        plot.write(pngFile);
        StreamExperiment.SelectorScore combined = result.atRareRate(StreamExperiment.COMBINED);
        StreamExperiment.SelectorScore random = result.atRareRate(StreamExperiment.RANDOM);
        long budgetFrames = Math.round(config.rareRate() * n);
        System.out.printf(Locale.ROOT, "%nrows: each function with the engine's online top-rate rule (P² threshold, as the"
                        + " stage runs it), and '%s' = its top scores of the whole stream in hindsight (the function's"
                        + " quality without the online rule); combined = the engine's default triggers %s, the budget"
                        + " split evenly between them. RESULT figures: combined (online), over 'rare scenario or human"
                        + " mistake', at budget = rare rate = %d frames; combined harvested %d of them%n",
                StreamExperiment.OFFLINE_SUFFIX.trim(),
                io.gleaner.uncertainty.SelectionConfig.DEFAULT_TRIGGERS.stream().map(t -> t.name()).toList(),
                budgetFrames, result.atRareRate(StreamExperiment.COMBINED).either().harvested());
        System.out.printf(Locale.ROOT, "wrote %s and %s; seed model %.0f s, scoring %.0f s, triggers %.1f s%n", csvFile,
                pngFile, result.seedSeconds(), result.scoreSeconds(), result.triggerSeconds());
        System.out.printf(Locale.ROOT, "RESULT bench-al-stream precision=%.4f recall=%.4f random_precision=%.4f"
                        + " harvested=%d budget=%d%n", combined.either().precision(), combined.either().recall(),
                random.either().precision(), combined.either().harvested(), budgetFrames);
    }
}
