package io.gleaner.app.bench.loop;

import io.gleaner.app.bench.al.BenchConditions;
import io.gleaner.app.bench.al.CurvePlot;
import io.gleaner.app.demo.EvaluationFleet;
import io.gleaner.app.demo.GleanerLoop;
import io.gleaner.app.demo.Harvesting;
import io.gleaner.app.demo.LoopConfig;
import io.gleaner.app.demo.LoopSummary;
import io.gleaner.app.demo.RoundReport;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.retrain.FineTuneScope;
import io.gleaner.retrain.RetrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench loop}: the closed-loop benchmark. The whole loop runs twice, each arm on its
 * own fresh embedded broker and database: first harvesting with the engine's triggers, then
 * harvesting at random with exactly the labels per round the first arm used, from the same seed
 * model and the same fleet. Prints both arms round by round (labels, rare- and common-scenario
 * action error, what the retrain gate decided), writes {@code rounds.csv} and {@code errors.png},
 * and ends with {@code RESULT bench-loop reduction_ratio=… common_regression=… rounds=…}.
 */
@Command(name = "loop", mixinStandardHelpOptions = true,
        description = "Closed loop on the fleet simulator: the engine's triggers vs random harvesting, same labels.")
public final class LoopBenchmark implements Callable<Integer> {
    /** Target of the issue: the engine's rare-error reduction at least this many times random's. */
    public static final double TARGET_RATIO = 2.0;
    /** Target of the issue: the common-scenario error at most this much worse, relative. */
    public static final double TARGET_COMMON_REGRESSION = 0.05;

    @Option(names = "--quick", description = "The test suite's size: 3 rounds of 800 frames, a 1,000-frame seed.")
    boolean quick;

    @Option(names = "--rounds", description = "Rounds per arm (default 5, --quick 3).")
    Integer rounds;

    @Option(names = "--frames-per-round", description = "Fleet frames per round (default 1500, --quick 800).")
    Integer framesPerRound;

    @Option(names = "--seed-frames",
            description = "Unlabeled frames the seed model is cloned from (default 2000, --quick 1000).")
    Integer seedFrames;

    @Option(names = "--seed-epochs", description = "Epochs of the seed model's training (default "
            + LoopConfig.DEMO_SEED_EPOCHS + ").")
    Integer seedEpochs;

    @Option(names = "--fine-tune-scope", defaultValue = "all",
            description = "Which weights each retrain's fine-tune trains, in both arms: all, last-stage or heads"
                    + " (default ${DEFAULT-VALUE}, as gleaner retrain).")
    String fineTuneScope;

    @Option(names = "--out", defaultValue = "gleaner-data/bench-loop",
            description = "Folder for rounds.csv, errors.png and each arm's data (default ${DEFAULT-VALUE}).")
    Path out;

    /** What one benchmark run measured and where it wrote it. */
    public record Result(LoopBenchConfig config, LoopComparison comparison, Path csv, Path png) {}

    @Override
    public Integer call() throws Exception {
        LoopBenchConfig config = quick ? LoopBenchConfig.quick() : LoopBenchConfig.defaults();
        if (rounds != null) {
            config = config.withRounds(rounds);
        }
        if (framesPerRound != null) {
            config = config.withFramesPerRound(framesPerRound);
        }
        if (seedFrames != null) {
            config = config.withSeedFrames(seedFrames);
        }
        if (seedEpochs != null) {
            config = config.withSeedEpochs(seedEpochs);
        }
        config = config.withFineTuneScope(FineTuneScope.fromOptionValue(fineTuneScope));
        run(config, out, System.out);
        return 0;
    }

    /** Runs both arms, prints the table and the RESULT line to {@code print}, writes the CSV and PNG under {@code out}. */
    public static Result run(LoopBenchConfig config, Path out, PrintStream print) throws Exception {
        Files.createDirectories(out);
        print.println(BenchConditions.describe());
        print.printf(Locale.ROOT, "fleet simulator: %d rounds x %d frames, %.0f%% rare scenarios, 1%% human mistakes;"
                        + " seed model behaviour-cloned on %d frames x %d epochs; retrain at %d new labels, fine-tuning"
                        + " %s weights; gate: held-out labels and a %d-frame golden set; errors on %d frames of each"
                        + " scenario (both from a %d-vehicle fleet); each arm on its own embedded Kafka broker and"
                        + " PostgreSQL%n",
                config.rounds(), config.framesPerRound(), 100 * config.rareRate(), config.seedFrames(),
                config.seedEpochs(), config.minNewLabels(), config.fineTuneScope().optionValue(), config.goldenFrames(),
                config.evalFramesPerScenario(), EvaluationFleet.VEHICLES);
        long started = System.nanoTime();
        Path engineDir = out.resolve("engine");
        print.println("arm 1: the engine's triggers");
        LoopSummary engine = runArm(config, engineDir, Harvesting.Engine.defaults(), Optional.empty(),
                r -> print.println("  " + progress(r)));
        double engineSeconds = (System.nanoTime() - started) / 1e9;

        List<Long> budget = LoopComparison.labelsPerRound(engine);
        Path seedModel = RetrainConfig.defaults().withModelsDir(engineDir.resolve("models")).artifactDir(1);
        print.println("arm 2: random harvesting, the same labels per round " + budget + ", the same seed model");
        LoopSummary random = runArm(config, out.resolve("random"),
                new Harvesting.UniformRandom(round -> Math.toIntExact(budget.get(round - 1)), config.seed()),
                Optional.of(seedModel), r -> print.println("  " + progress(r)));
        double seconds = (System.nanoTime() - started) / 1e9;

        LoopComparison comparison = new LoopComparison(engine, random);
        printTable(print, comparison);
        Path csv = out.resolve("rounds.csv");
        Path png = out.resolve("errors.png");
        writeCsv(csv, comparison);
        plot(comparison).write(png);

        print.printf(Locale.ROOT, "%nrare-scenario error reduction after round %d: engine %.4f (%.4f -> %.4f),"
                        + " random %.4f (%.4f -> %.4f); ratio %s (target >= %.0f)%n",
                config.rounds(), comparison.engineReduction(), engine.rareErrorFirst(), engine.rareErrorLast(),
                comparison.randomReduction(), random.rareErrorFirst(), random.rareErrorLast(),
                format(comparison.reductionRatio()), TARGET_RATIO);
        print.printf(Locale.ROOT, "common-scenario error, engine arm: %.4f -> %.4f (%+.1f%%, target <= +%.0f%%);"
                        + " worst after any round %+.1f%%%n",
                engine.commonErrorFirst(), engine.rounds().get(engine.rounds().size() - 1).commonError(),
                100 * comparison.commonRegression(), 100 * TARGET_COMMON_REGRESSION,
                100 * comparison.worstCommonRegression());
        print.printf(Locale.ROOT, "labels: %d per arm, the same in every round: %s%n", comparison.labels(),
                comparison.sameLabelBudget() ? "yes" : "NO " + LoopComparison.labelsPerRound(random));
        print.printf(Locale.ROOT, "wrote %s and %s; took %.0f s (engine arm %.0f s, random arm %.0f s)%n", csv, png,
                seconds, engineSeconds, seconds - engineSeconds);
        print.printf(Locale.ROOT, "RESULT bench-loop reduction_ratio=%s common_regression=%.4f rounds=%d labels=%d"
                        + " engine_reduction=%.4f random_reduction=%.4f%n",
                format(comparison.reductionRatio()), comparison.commonRegression(), config.rounds(),
                comparison.labels(), comparison.engineReduction(), comparison.randomReduction());
        return new Result(config, comparison, csv, png);
    }

    private static LoopSummary runArm(LoopBenchConfig config, Path armDir, Harvesting harvesting,
                                      Optional<Path> seedModel, Consumer<RoundReport> onRound) throws Exception {
        Files.createDirectories(armDir);
        if (seedModel.isPresent() && !Files.isDirectory(seedModel.get())) {
            throw new IllegalStateException("the engine arm left no seed model at " + seedModel.get()
                    + "; the random arm must start from the same model: see the engine arm's log");
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(armDir.resolve("kafka"));
             EmbeddedDatabase database = EmbeddedDatabase.start(armDir.resolve("postgres"))) {
            return new GleanerLoop(kafka.bootstrapServers(), database.endpoint().dataSource(),
                    config.loopConfig(armDir), harvesting, seedModel).run(onRound);
        }
    }

    private static String progress(RoundReport r) {
        return String.format(Locale.ROOT, "round %d: %d labels, rare error %.4f, common error %.4f, %s", r.round(),
                r.labeled(), r.rareError(), r.commonError(), r.retrain());
    }

    private static void printTable(PrintStream print, LoopComparison c) {
        print.printf(Locale.ROOT, "%n%-5s | %-56s | %-56s%n", "", "engine's triggers", "random harvesting, same labels");
        String half = "%6s %6s %9s %10s  %-27s";
        print.printf(Locale.ROOT, "%-5s | " + half + " | " + half + "%n", "round", "labels", "rare%", "rare err",
                "common err", "retrain", "labels", "rare%", "rare err", "common err", "retrain");
        print.printf(Locale.ROOT, "%-5s | %6s %6s %9.4f %10.4f  %-27s | %6s %6s %9.4f %10.4f  %-27s%n", "seed", "-", "-",
                c.engine().rareErrorFirst(), c.engine().commonErrorFirst(), "", "-", "-", c.random().rareErrorFirst(),
                c.random().commonErrorFirst(), "");
        for (int i = 0; i < c.engine().rounds().size(); i++) {
            RoundReport e = c.engine().rounds().get(i);
            RoundReport r = c.random().rounds().get(i);
            print.printf(Locale.ROOT, "%-5d | %6d %5.1f%% %9.4f %10.4f  %-27s | %6d %5.1f%% %9.4f %10.4f  %-27s%n",
                    e.round(), e.labeled(), 100 * e.harvestedRareShare(), e.rareError(), e.commonError(), e.retrain(),
                    r.labeled(), 100 * r.harvestedRareShare(), r.rareError(), r.commonError(), r.retrain());
        }
        print.println("rare%: share of rare scenarios among the frames harvested (engine) / offered (random: every frame);"
                + " errors: mean |d steering| + |d acceleration| over 2 of the live model after the round's retrain");
    }

    private static void writeCsv(Path csv, LoopComparison c) {
        List<String> lines = new ArrayList<>();
        lines.add("arm,round,labels,labels_total,harvested,harvested_rare_share,rare_error,common_error,model_version,retrain");
        addArm(lines, "engine", c.engine());
        addArm(lines, "random", c.random());
        try {
            Files.write(csv, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + csv + ": " + e.getMessage(), e);
        }
    }

    private static void addArm(List<String> lines, String arm, LoopSummary summary) {
        lines.add(String.format(Locale.ROOT, "%s,0,0,0,0,,%.6f,%.6f,1,seed", arm, summary.rareErrorFirst(),
                summary.commonErrorFirst()));
        long total = 0;
        for (RoundReport r : summary.rounds()) {
            total += r.labeled();
            lines.add(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%.4f,%.6f,%.6f,%s,\"%s\"", arm, r.round(), r.labeled(),
                    total, r.harvested(), r.harvestedRareShare(), r.rareError(), r.commonError(), r.modelVersion(),
                    r.retrain()));
        }
    }

    private static CurvePlot plot(LoopComparison c) {
        CurvePlot plot = new CurvePlot("Closed loop: action error of the live model, engine's triggers vs random",
                "labels so far", "mean action error");
        addSeries(plot, "engine: rare", c.engine(), true);
        addSeries(plot, "random: rare", c.random(), true);
        addSeries(plot, "engine: common", c.engine(), false);
        addSeries(plot, "random: common", c.random(), false);
        return plot;
    }

    private static void addSeries(CurvePlot plot, String name, LoopSummary summary, boolean rare) {
        int n = summary.rounds().size() + 1;
        double[] x = new double[n];
        double[] y = new double[n];
        y[0] = rare ? summary.rareErrorFirst() : summary.commonErrorFirst();
        for (int i = 1; i < n; i++) {
            RoundReport r = summary.rounds().get(i - 1);
            x[i] = x[i - 1] + r.labeled();
            y[i] = rare ? r.rareError() : r.commonError();
        }
        plot.add(name, x, y);
    }

    private static String format(double ratio) {
        if (Double.isInfinite(ratio)) {
            return "inf";
        }
        return Double.isNaN(ratio) ? "nan" : String.format(Locale.ROOT, "%.2f", ratio);
    }
}
