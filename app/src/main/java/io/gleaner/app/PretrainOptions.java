package io.gleaner.app;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.gleaner.retrain.ssl.FashionMnistFiles;
import io.gleaner.retrain.ssl.ImageFolder;
import io.gleaner.retrain.ssl.ImageSet;
import io.gleaner.retrain.ssl.PretrainConfig;
import io.gleaner.retrain.ssl.PretrainListener;
import io.gleaner.retrain.ssl.PretrainResult;
import io.gleaner.retrain.ssl.Pretrainer;
import io.gleaner.retrain.ssl.SslMethod;
import io.gleaner.scorer.model.BackboneSpec;
import io.gleaner.scorer.model.ModelArtifact;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options {@code gleaner pretrain} and {@code gleaner eval probe} share: data, backbone, method, run. */
final class PretrainOptions {
    static final String FASHION_MNIST = "fashion-mnist";

    @Option(names = "--source", defaultValue = FASHION_MNIST, paramLabel = "fashion-mnist|FOLDER",
            description = "Unlabeled frames: the Fashion-MNIST training split, or a folder of PNG/JPEG files (default ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--data-dir", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Folder of the Fashion-MNIST IDX files (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--limit", defaultValue = "0", description = "Use at most this many images, 0 = all (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--size", defaultValue = "64",
            description = "Frame side in pixels for a folder source, 28..96 (default ${DEFAULT-VALUE}); Fashion-MNIST is 28.")
    int size;

    @Option(names = "--gray", description = "Read a folder source as 1-channel gray instead of RGB.")
    boolean gray;

    @Option(names = "--method", defaultValue = "simclr", paramLabel = "simclr|vicreg",
            description = "SSL method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--epochs", defaultValue = "10", description = "Pretraining epochs (default ${DEFAULT-VALUE};"
            + " 18 for eval probe, what fits its 20 minutes on two idle cores).")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "Images per step, two views each (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", description = "Peak AdamW learning rate (default 1e-3 for simclr, 5e-4 for vicreg).")
    Double learningRate;

    @Option(names = "--temperature", description = "NT-Xent temperature for simclr (default 0.5).")
    Double temperature;

    @Option(names = "--augment", paramLabel = "NAME=VALUE", description = "Change one augmentation, repeatable:"
            + " crop-scale-min|max, crop-ratio-min|max, flip, jitter, grayscale, blur (probabilities), brightness,"
            + " contrast, saturation (jitter ranges), blur-sigma-min|max (pixels); e.g. --augment blur=0.")
    Map<String, Double> augment = new LinkedHashMap<>();

    @Option(names = "--width", defaultValue = "8", description = "Backbone width: stem and first-stage filters (default ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--stages", defaultValue = "4", description = "Backbone stages, each after the first halves the resolution (default ${DEFAULT-VALUE}).")
    int stages;

    @Option(names = "--blocks", defaultValue = "1", description = "Residual blocks per stage, the depth (default ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--max-minutes", paramLabel = "MINUTES", description = "Stop after the epoch after which one more"
            + " would pass this much training time (default: no limit for pretrain, 20 for eval probe).")
    Double maxMinutes;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads, 0 = PyTorch's default"
            + " of one per core (default ${DEFAULT-VALUE}); 1 spends less CPU per image on a machine busy with other work.")
    int threads;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling and augmentation (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", defaultValue = "gleaner-data/backbones/ssl",
            description = "Artifact folder to write, must be new or empty (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--checkpoint-dir",
            description = "Where checkpoints go and a crashed run resumes from (default: <output>.checkpoint).")
    Path checkpointDir;

    /** The unlabeled frames {@code --source} names, at most {@code --limit}. */
    ImageSet images(PrintWriter out) {
        ImageSet images;
        if (FASHION_MNIST.equals(source)) {
            requireDataDir();
            images = FashionMnistFiles.images(dataDir, "train");
        } else {
            Path folder = Path.of(source);
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException("--source " + source + " is neither fashion-mnist nor a folder");
            }
            ImageFolder.Read read = ImageFolder.read(folder, size, gray ? 1 : 3);
            if (read.skipped() > 0) {
                out.println("skipped " + read.skipped() + " unreadable files under " + folder);
            }
            images = read.images();
        }
        return limit > 0 ? images.first(limit) : images;
    }

    void requireDataDir() {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException(dataDir + " does not exist; install the data set with"
                    + " `apt-get install dataset-fashion-mnist` or pass --data-dir");
        }
    }

    /** The backbone spec for {@code images}: their size and channels, normalised with their own mean and std. */
    BackboneSpec spec(ImageSet images) {
        return new BackboneSpec("gleaner-backbone", images.channels(), images.size(), width, stages, blocks,
                images.channelMean(), images.channelStd());
    }

    PretrainConfig config() {
        PretrainConfig d = PretrainConfig.defaults(SslMethod.parse(method), epochs);
        return new PretrainConfig(d.method(), epochs, batch, learningRate == null ? d.learningRate() : learningRate,
                d.warmupFraction(), d.weightDecay(), temperature == null ? d.temperature() : temperature,
                d.vicregInvariance(), d.vicregVariance(), d.vicregCovariance(), d.projectorHidden(),
                d.projectorOutput(), d.augmentation().with(augment), d.monitorImages(), d.minEffectiveRank(),
                d.minStd(), seed);
    }

    Path checkpoints() {
        return checkpointDir != null ? checkpointDir : output.resolveSibling(output.getFileName() + ".checkpoint");
    }

    /** Applies {@code --threads} to PyTorch's intra-op pool, before any training or probing runs. */
    void applyThreads() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads " + threads + " must be 0 (PyTorch's default) or positive");
        }
        if (threads > 0) {
            Engine.getEngine("PyTorch"); // loads the native library JniUtils calls into
            JniUtils.setNumThreads(threads);
        }
    }

    /**
     * Pretrains on {@code images}, printing progress to {@code out}, within {@code --max-minutes}
     * or else {@code defaultBudget} (null for no limit).
     */
    PretrainResult pretrain(ImageSet images, PrintWriter out, Duration defaultBudget) {
        if (Files.exists(output.resolve("manifest.json"))) {
            throw new IllegalArgumentException("--output " + output + " already holds an artifact; artifacts are"
                    + " immutable, choose a new folder");
        }
        if (maxMinutes != null && !(maxMinutes > 0)) {
            throw new IllegalArgumentException("--max-minutes " + maxMinutes + " must be positive");
        }
        Duration budget = maxMinutes != null ? Duration.ofMillis(Math.round(maxMinutes * 60_000)) : defaultBudget;
        PretrainConfig config = config();
        BackboneSpec spec = spec(images);
        out.printf(Locale.ROOT, "pretraining %s on %s (%d images of %dx%dx%d), backbone width %d, %d stages x %d"
                        + " blocks (embedding %d), %d epochs of batch %d%s, checkpoints in %s%n", config.method().id(),
                images.name(), images.count(), images.channels(), images.size(), images.size(), spec.width(),
                spec.stages(), spec.blocksPerStage(), spec.embeddingSize(), config.epochs(), config.batchSize(),
                budget == null ? "" : String.format(Locale.ROOT, " within %.1f minutes", budget.toMillis() / 60_000.0),
                checkpoints());
        out.println("augmentations: " + config.augmentation());
        out.flush();
        return Pretrainer.run(images, spec, config, checkpoints(), new PretrainListener() {
            @Override
            public void progress(String line) {
                out.println(line);
                out.flush();
            }
        }, budget);
    }

    /** Saves the pretrained backbone as an artifact with its pretraining figures. */
    ModelArtifact save(PretrainResult result, ImageSet images) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pretrain_seconds", result.trainSeconds());
        metrics.put("final_loss", result.finalLoss());
        var last = result.epochs().get(result.epochs().size() - 1);
        metrics.put("effective_rank", last.effectiveRank());
        metrics.put("embedding_std", last.std());
        String version = config().method().id() + "-" + System.currentTimeMillis();
        return result.backbone().save(output, version, "", config().method().id(),
                images.name() + " " + images.count() + " images", result.epochs().size(), metrics);
    }
}
