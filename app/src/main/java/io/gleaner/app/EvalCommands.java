package io.gleaner.app;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.gleaner.retrain.ssl.FashionMnistFiles;
import io.gleaner.retrain.ssl.ImageSet;
import io.gleaner.retrain.ssl.LinearProbe;
import io.gleaner.retrain.ssl.LinearProbeEvaluation;
import io.gleaner.retrain.ssl.PretrainResult;
import io.gleaner.retrain.ssl.ProbeFeatures;
import io.gleaner.retrain.ssl.ProbeReport;
import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.ModelArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gleaner eval}: evaluations of models, each ending with one {@code RESULT} line. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluations: each prints the device, the conditions and its figures, then one RESULT line.",
        subcommands = {EvalCommands.Probe.class})
final class EvalCommands implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name an evaluation: probe");
    }

    /**
     * {@code gleaner eval probe}: pretrain on the Fashion-MNIST training images (or take an
     * artifact), then fit one linear probe on frozen features of the 60k training images and score
     * it on the 10k test images, for the SSL backbone, raw pixels and a random backbone.
     */
    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Linear probe on Fashion-MNIST: SSL features vs raw pixels vs a randomly initialised"
                    + " backbone, in one run.")
    static final class Probe implements Callable<Integer> {
        /** The target: the SSL probe beats raw pixels after at most 20 minutes of pretraining. */
        static final Duration PRETRAIN_BUDGET = Duration.ofMinutes(20);
        /**
         * Pretraining epochs without {@code --epochs}: 18 take about 17 of the 20 minutes on this
         * project's 2-core machine with nothing else running (1,000–1,200 images/s on two threads).
         */
        static final int DEFAULT_EPOCHS = 18;

        @Mixin PretrainOptions options;
        @Spec CommandSpec spec;

        @Option(names = "--model", description = "Probe this backbone artifact instead of pretraining one.")
        Path model;

        @Option(names = "--probe-epochs", defaultValue = "30", description = "Epochs of the linear probe (default ${DEFAULT-VALUE}).")
        int probeEpochs;

        @Option(names = "--probe-stages", defaultValue = "0",
                description = "Backbone stages the probe reads, counted from the last; 0 = all of them (default ${DEFAULT-VALUE}).")
        int probeStages;

        @Option(names = "--probe-grid", defaultValue = "4", description = "Cells per side each probed stage's feature map"
                + " is averaged to; --probe-stages 1 --probe-grid 1 is the embedding (default ${DEFAULT-VALUE}).")
        int probeGrid;

        @Option(names = "--quick", description = "A size that runs in well under a minute: 2,048 training and 2,000"
                + " test images, a width-8 backbone of 3 stages, 2 epochs of batch 128, 10 probe epochs.")
        boolean quick;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (!PretrainOptions.FASHION_MNIST.equals(options.source)) {
                throw new IllegalArgumentException("eval probe needs labeled images and runs on Fashion-MNIST only;"
                        + " drop --source " + options.source + " (pretrain on a folder with `gleaner pretrain`)");
            }
            options.requireDataDir();
            // Made (and checked) before a pretraining of up to 20 minutes, not after it.
            ProbeFeatures features = new ProbeFeatures(probeStages, probeGrid);
            options.epochs = pretrainEpochs();
            if (quick) {
                options.limit = 2048;
                options.width = 8;
                options.stages = 3;
                options.epochs = 2;
                options.batch = 128;
                probeEpochs = 10;
            }
            options.applyThreads();
            out.println("device: " + Engine.getInstance().defaultDevice() + ", PyTorch " + Engine.getInstance().getVersion()
                    + ", " + JniUtils.getNumThreads() + " intra-op threads, " + Runtime.getRuntime().availableProcessors()
                    + " cores, load average " + loadAverage());
            ImageSet train = options.images(out);
            int[] trainLabels = Arrays.copyOf(FashionMnistFiles.labels(options.dataDir, "train"), train.count());
            ImageSet test = FashionMnistFiles.images(options.dataDir, "t10k");
            int[] testLabels = FashionMnistFiles.labels(options.dataDir, "t10k");
            if (quick) {
                test = test.first(2000);
                testLabels = Arrays.copyOf(testLabels, 2000);
            }

            Backbone backbone;
            double pretrainSeconds;
            String method;
            if (model != null) {
                backbone = Backbone.load(model, null);
                method = backbone.manifest().method();
                pretrainSeconds = backbone.manifest().metrics().getOrDefault("pretrain_seconds", Double.NaN);
                out.println("probing " + model + " (" + backbone.manifest().method() + ", " + backbone.manifest().data()
                        + ", " + backbone.manifest().epochs() + " epochs)");
            } else {
                PretrainResult result = options.pretrain(train, out, PRETRAIN_BUDGET);
                backbone = result.backbone();
                method = options.config().method().id();
                pretrainSeconds = result.trainSeconds();
                ModelArtifact artifact = options.save(result, train);
                out.printf(Locale.ROOT, "saved %s (SHA-256 %s); loss %.4f -> %.4f over %d epochs%n", artifact.dir(),
                        artifact.sha256(), result.epochs().get(0).loss(), result.finalLoss(), result.epochs().size());
            }
            ProbeReport report;
            try (backbone) {
                out.printf(Locale.ROOT, "probing: %d training images, %d test images, %d probe epochs, load average %s%n",
                        train.count(), test.count(), probeEpochs, loadAverage());
                out.flush();
                out.println("probed features of both backbones: " + features.describe(backbone.spec()) + ", "
                        + features.dimensions(backbone.spec()) + " values; raw pixels: all of them");
                out.flush();
                LinearProbe.Settings settings = new LinearProbe.Settings(probeEpochs, 256, 2e-3, 1e-4, 7);
                report = LinearProbeEvaluation.run(backbone, train, trainLabels, test, testLabels,
                        FashionMnistFiles.CLASSES, features, settings, options.seed + 1);
            }
            out.println();
            out.printf(Locale.ROOT, "%-40s %9s %10s%n", "features (linear probe, frozen)", "dims", "test acc");
            out.printf(Locale.ROOT, "%-40s %9d %10.4f%n", "SSL backbone (" + method + ")",
                    report.sslDimensions(), report.ssl());
            out.printf(Locale.ROOT, "%-40s %9d %10.4f%n", "raw pixels", report.rawDimensions(), report.raw());
            out.printf(Locale.ROOT, "%-40s %9d %10.4f%n", "random-init backbone", report.sslDimensions(), report.randomInit());
            out.printf(Locale.ROOT, "SSL - raw: %+.1f points (target +6); pretraining %.0f s (target <= 1200 s); probes %.0f s;"
                    + " load average %s%n", 100 * (report.ssl() - report.raw()), pretrainSeconds, report.seconds(), loadAverage());
            out.printf(Locale.ROOT, "RESULT eval-probe ssl=%.4f raw=%.4f random_init=%.4f pretrain_minutes=%.1f%n",
                    report.ssl(), report.raw(), report.randomInit(), pretrainSeconds / 60);
            out.flush();
            return 0;
        }

        /** {@code --epochs} when given, else {@link #DEFAULT_EPOCHS}. */
        int pretrainEpochs() {
            return spec.commandLine().getParseResult().hasMatchedOption("--epochs") ? options.epochs : DEFAULT_EPOCHS;
        }

        private static String loadAverage() {
            try {
                String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                return parts[0] + " " + parts[1] + " " + parts[2];
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }
    }
}
