package io.gleaner.scorer.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * A self-supervised vision backbone in memory: the small ResNet {@link BackboneSpec} describes,
 * mapping a normalised {@code B×C×S×S} batch to a {@code B×E} embedding (global average pool of
 * the last stage). It has no heads; pretraining adds a projector around it and the probe or a
 * scorer reads its embedding.
 *
 * <p>It uses batch normalisation: at inference ({@link #embed}) the running statistics are used,
 * so an embedding never depends on the rest of its batch.
 *
 * <p>Artifacts are the same format as {@link DrivingModel}'s: a folder with DJL parameters and a
 * {@link ModelManifest} whose SHA-256 is checked before anything is loaded; the manifest records
 * the sizes ({@code architectureOptions}), normalisation, method, data, epochs, seed and parent.
 * The instance owns its DJL {@link Model}; {@link #close()} frees it. Not thread-safe.
 */
public final class Backbone implements EmbeddingBackbone {
    static {
        DjlRuntime.ensureOffline();
    }

    /** The network layout this class creates and loads. */
    public static final String ARCHITECTURE = "gleaner-resnet-v1";
    /** Method recorded for parameters that were only initialised. */
    public static final String METHOD_RANDOM_INIT = "random-init";

    private static final String ENGINE = "PyTorch";
    private static final Object INIT_LOCK = new Object();

    private final Model model;
    private final BackboneSpec spec;
    private ModelManifest manifest;

    private Backbone(Model model, BackboneSpec spec, ModelManifest manifest) {
        this.model = model;
        this.spec = spec;
        this.manifest = manifest;
    }

    /** A fresh backbone, Xavier-initialised; the same spec and seed give the same weights. */
    public static Backbone create(BackboneSpec spec, long seed) {
        Objects.requireNonNull(spec, "spec");
        ModelManifest manifest = new ModelManifest(spec.modelName(), "", "", ARCHITECTURE, spec.inputSize(),
                spec.inputSize(), spec.inputChannels(), spec.mean(), spec.std(), List.of(), spec.embeddingSize(),
                METHOD_RANDOM_INIT, "", "", Map.of(), seed, System.currentTimeMillis(), "", 0,
                spec.architectureOptions());
        Model model = Model.newInstance(spec.modelName(), ENGINE);
        try {
            Block block = buildBlock(spec);
            block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            model.setBlock(block);
            synchronized (INIT_LOCK) {
                Engine.getEngine(ENGINE).setRandomSeed(Long.hashCode(seed));
                block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape(spec, 1));
            }
            return new Backbone(model, spec, manifest);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Loads an artifact {@link #save} wrote, after checking the parameter file's SHA-256 against
     * the manifest and, unless null, {@code expectedSha256}.
     *
     * @throws ArtifactIntegrityException when a digest does not match
     * @throws IllegalArgumentException when the folder is not an artifact of {@link #ARCHITECTURE}
     * @throws UncheckedIOException when a file is missing or unreadable
     */
    public static Backbone load(Path artifactDir, String expectedSha256) {
        Objects.requireNonNull(artifactDir, "artifactDir");
        ModelManifest manifest = ModelManifest.read(artifactDir);
        BackboneSpec spec;
        try {
            spec = BackboneSpec.of(manifest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model artifact " + artifactDir + " is not a backbone: " + e.getMessage(), e);
        }
        if (manifest.embeddingSize() != spec.embeddingSize()) {
            throw new IllegalArgumentException("model artifact " + artifactDir + " records embedding size "
                    + manifest.embeddingSize() + " but its architecture options give " + spec.embeddingSize());
        }
        Matcher name = DrivingModel.verifiedParamsFile(artifactDir, manifest, expectedSha256);
        Model model = Model.newInstance(manifest.modelName(), ENGINE);
        try {
            model.setBlock(buildBlock(spec));
            model.load(artifactDir, name.group(1), Map.of("epoch", Integer.parseInt(name.group(2))));
            // As in DrivingModel.load: initialising again restores the input names a later save needs.
            model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(spec, 1));
            return new Backbone(model, spec, manifest);
        } catch (MalformedModelException e) {
            model.close();
            throw new IllegalArgumentException("model artifact " + artifactDir + ": cannot load "
                    + manifest.paramsFile() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("model artifact " + artifactDir + ": cannot read "
                    + manifest.paramsFile() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Writes the parameters and manifest to a new, empty artifact folder; the returned manifest
     * becomes this backbone's.
     *
     * @param version the new version's id, non-blank
     * @param parentVersion the version it was trained from, {@code ""} or null for none
     * @param method how it was trained ("simclr", "vicreg", "random-init")
     * @param data what it was trained on, for the manifest
     * @param epochs passes over {@code data}
     * @param metrics figures to record (pretraining loss, effective rank, seconds), may be empty
     */
    public ModelArtifact save(Path artifactDir, String version, String parentVersion, String method, String data,
            int epochs, Map<String, Double> metrics) {
        Objects.requireNonNull(artifactDir, "artifactDir");
        if (version == null || version.isBlank() || method == null || method.isBlank()) {
            throw new IllegalArgumentException("a saved backbone needs a non-blank version and method");
        }
        try {
            if (Files.exists(artifactDir) && !DrivingModel.isEmptyDirectory(artifactDir)) {
                throw new IllegalArgumentException("artifact folder " + artifactDir
                        + " already has files; artifacts are immutable, save each version to a new folder");
            }
            Files.createDirectories(artifactDir);
            model.save(artifactDir, manifest.modelName());
            Path params = DrivingModel.onlyParamsFile(artifactDir);
            String sha = DrivingModel.sha256(params);
            ModelManifest saved = manifest.savedAs(version, parentVersion == null ? "" : parentVersion, method,
                    params.getFileName().toString(), sha, metrics == null ? Map.of() : metrics,
                    System.currentTimeMillis(), data, epochs);
            saved.write(artifactDir);
            manifest = saved;
            return new ModelArtifact(artifactDir, saved, sha, artifactDir.toAbsolutePath().toUri());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save backbone " + manifest.modelName() + " to " + artifactDir
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Embeds {@code count} normalised images laid out back to back as {@code C×S×S} floats, with
     * autograd off and batch normalisation in inference mode.
     *
     * @return {@code count × embeddingSize} floats, row by row
     */
    @Override
    public float[] embed(float[] images, int count) {
        int size = spec.inputChannels() * spec.inputSize() * spec.inputSize();
        if (images.length != count * size) {
            throw new IllegalArgumentException(count + " images of " + spec.inputChannels() + "x" + spec.inputSize()
                    + "x" + spec.inputSize() + " need " + (long) count * size + " floats, got " + images.length);
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager batch = model.getNDManager().newSubManager()) {
            NDArray x = batch.create(images, inputShape(spec, count));
            NDList out = model.getBlock().forward(new ParameterStore(batch, false), new NDList(x), false);
            return out.singletonOrThrow().toFloatArray();
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** The network: normalised {@code B×C×S×S} in, {@code B×E} embedding out. */
    public Block block() {
        return model.getBlock();
    }

    /** The DJL model, for training. */
    public Model djlModel() {
        return model;
    }

    public BackboneSpec spec() {
        return spec;
    }

    /** The manifest it was created, loaded or last saved with. */
    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public void close() {
        model.close();
    }

    /** The input shape of a batch of {@code count} images. */
    public static Shape inputShape(BackboneSpec spec, int count) {
        return new Shape(count, spec.inputChannels(), spec.inputSize(), spec.inputSize());
    }

    /** Builds the (uninitialised) network {@code spec} describes. */
    public static Block buildBlock(BackboneSpec spec) {
        SequentialBlock net = new SequentialBlock()
                .add(conv(spec.width(), 3, 1))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock());
        for (int stage = 0; stage < spec.stages(); stage++) {
            int filters = spec.width() << stage;
            for (int b = 0; b < spec.blocksPerStage(); b++) {
                boolean downsample = stage > 0 && b == 0;
                net.add(residual(filters, downsample ? 2 : 1, downsample));
            }
        }
        return net.add(Pool.globalAvgPool2dBlock());
    }

    /** Two 3×3 convolutions with a shortcut (a 1×1 strided projection where the shape changes), then ReLU. */
    private static Block residual(int filters, int stride, boolean project) {
        Block main = new SequentialBlock()
                .add(conv(filters, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(conv(filters, 3, 1))
                .add(BatchNorm.builder().build());
        Block shortcut = project
                ? new SequentialBlock().add(conv(filters, 1, stride)).add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new ParallelBlock(outputs -> new NDList(Activation.relu(
                outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow()))), List.of(main, shortcut));
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(false)
                .build();
    }
}
