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
import ai.djl.nn.Parameter;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import io.gleaner.schema.v1.Image;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * One version of the driving model in memory: a small conv backbone whose embedding feeds a scene
 * head (softmax over the manifest's classes) and an action head (steering and acceleration, tanh).
 *
 * <p>The network ({@link #block()}) maps a {@code B×3×H×W} batch (64×64 by default), normalised as {@link #preprocess}
 * does, to {@code NDList[sceneLogits B×C, action B×2 in [-1,1], embedding B×E]}. There is no batch
 * normalisation: fine-tuning batches are small and inference must not depend on the batch.
 *
 * <p>{@link #predict} may be called from any thread, one call at a time (calls are serialised);
 * training through {@link #djlModel()} must not overlap with predictions on the same instance.
 * For scoring streams, {@link #predictor} gives each thread its own {@link BatchPredictor}, which
 * also runs MC dropout and novelty, without serialising threads.
 * The instance owns its DJL {@link Model} and its predictors; {@link #close()} frees them.
 */
public final class DrivingModel implements AutoCloseable {
    static {
        DjlRuntime.ensureOffline();
    }

    /** The network layout this build creates and loads. */
    public static final String ARCHITECTURE = "gleaner-conv4-v1";
    /** Default input width and height in pixels. */
    public static final int INPUT_SIZE = 64;
    /** Smallest input side: the backbone halves it four times. */
    public static final int MIN_INPUT_SIZE = 16;
    /** Largest input side this architecture accepts. */
    public static final int MAX_INPUT_SIZE = 512;
    /** Input channels (RGB). */
    public static final int INPUT_CHANNELS = 3;
    /** Method recorded in the manifest of a model that was only initialised. */
    public static final String METHOD_RANDOM_INIT = "random-init";

    private static final String ENGINE = "PyTorch";
    private static final float[] MEAN = {0.5f, 0.5f, 0.5f};
    private static final float[] STD = {0.25f, 0.25f, 0.25f};
    private static final int[] CONV_FILTERS = {16, 32, 64, 64};
    private static final int MAX_DECODE_PIXELS = 4096 * 4096;
    private static final Pattern PARAMS_FILE = Pattern.compile("(.+)-(\\d{4})\\.params");
    // Seeding the engine and drawing the initial weights must not interleave between threads.
    private static final Object INIT_LOCK = new Object();

    private final Model model;
    private final Block block;
    private final float[] scale = new float[INPUT_CHANNELS];
    private final float[] shift = new float[INPUT_CHANNELS];
    private volatile ModelManifest manifest;
    private final Map<Thread, BatchPredictor> predictors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private DrivingModel(Model model, ModelManifest manifest) {
        this.model = model;
        this.block = model.getBlock();
        this.manifest = manifest;
        float[] mean = manifest.mean();
        float[] std = manifest.std();
        for (int c = 0; c < INPUT_CHANNELS; c++) {
            // (v / 255 - mean) / std, folded into one multiply-add per sample.
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
    }

    /**
     * A fresh model with Xavier-initialised weights and zero biases; the same seed gives the same
     * weights. Its manifest has an empty version until {@link #save} gives it one.
     */
    public static DrivingModel create(ModelSpec spec, long seed) {
        Objects.requireNonNull(spec, "spec");
        ModelManifest manifest = new ModelManifest(spec.modelName(), "", "", ARCHITECTURE, spec.inputWidth(),
                spec.inputHeight(), INPUT_CHANNELS, MEAN, STD, spec.sceneClasses(), spec.embeddingSize(),
                METHOD_RANDOM_INIT, "", "", Map.of(), seed, System.currentTimeMillis());
        Model model = Model.newInstance(spec.modelName(), ENGINE);
        try {
            Block block = buildBlock(spec.sceneClasses().size(), spec.embeddingSize());
            block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            model.setBlock(block);
            synchronized (INIT_LOCK) {
                Engine.getEngine(ENGINE).setRandomSeed(Long.hashCode(seed));
                block.initialize(model.getNDManager(), DataType.FLOAT32,
                        new Shape(1, INPUT_CHANNELS, spec.inputHeight(), spec.inputWidth()));
            }
            return new DrivingModel(model, manifest);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Loads the artifact {@link #save} wrote. The parameter file's SHA-256 must match the manifest
     * and, unless {@code expectedSha256} is null, the expected value (as published in the
     * {@code ModelUpdate}); otherwise nothing is loaded.
     *
     * @throws ArtifactIntegrityException when a digest does not match
     * @throws IllegalArgumentException when the folder is not a readable artifact of this architecture
     *     (including a manifest whose parameter file is not a bare file name inside the folder)
     * @throws UncheckedIOException when the manifest or parameter file is missing or cannot be read:
     *     possibly for a moment only, e.g. on a shared volume that does not show a new file yet
     */
    public static DrivingModel load(Path artifactDir, String expectedSha256) {
        Objects.requireNonNull(artifactDir, "artifactDir");
        ModelManifest manifest = ModelManifest.read(artifactDir);
        checkCompatible(artifactDir, manifest);
        Matcher name = verifiedParamsFile(artifactDir, manifest, expectedSha256);
        Model model = Model.newInstance(manifest.modelName(), ENGINE);
        try {
            model.setBlock(buildBlock(manifest.sceneClasses().size(), manifest.embeddingSize()));
            model.load(artifactDir, name.group(1), Map.of("epoch", Integer.parseInt(name.group(2))));
            // DJL restores the weights and input shapes but not the input names, and a later
            // Model.save then fails with "key value size mismatch" (a fine-tuned model is saved
            // after loading). Initialising again sets the names and keeps the loaded weights.
            model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32,
                    new Shape(1, manifest.inputChannels(), manifest.inputHeight(), manifest.inputWidth()));
            checkOutputShapes(artifactDir, model, manifest);
            return new DrivingModel(model, manifest);
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
     * A new model with this one's manifest and a copy of each of its parameters, in its own DJL
     * {@link Model}: training the copy (which unfreezes and updates its parameters in place) leaves
     * this model as it is. A retrain fine-tunes such a copy of the live model it loaded, and
     * compares the two, without reading and hashing the artifact again. The caller owns the copy
     * and closes it.
     */
    public synchronized DrivingModel copy() {
        ensureOpen();
        ModelManifest m = manifest;
        Model copy = Model.newInstance(m.modelName(), ENGINE);
        try {
            Block copyBlock = buildBlock(m.sceneClasses().size(), m.embeddingSize());
            // Zeros, not Xavier: random draws here would interleave with a concurrent create's
            // seeded ones, and every value is overwritten below anyway.
            copyBlock.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
            copy.setBlock(copyBlock);
            copyBlock.initialize(copy.getNDManager(), DataType.FLOAT32,
                    new Shape(1, m.inputChannels(), m.inputHeight(), m.inputWidth()));
            var own = block.getParameters();
            for (var pair : copyBlock.getParameters()) {
                NDArray source = own.get(pair.getKey()).getArray();
                pair.getValue().getArray().set(FloatBuffer.wrap(source.toFloatArray()));
            }
            return new DrivingModel(copy, m);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * Writes this model's parameters and manifest to a new artifact folder. Artifacts are immutable:
     * the folder must not exist or be empty. The returned manifest becomes this model's manifest.
     *
     * @param version the new version's id, non-blank
     * @param parentVersion the version it was trained from, {@code ""} or null for none
     * @param method how it was trained ("seed-behavior-cloning", "fine-tune", ...)
     * @param metrics evaluation metrics to record, may be empty
     */
    public synchronized ModelArtifact save(Path artifactDir, String version, String parentVersion, String method,
            Map<String, Double> metrics) {
        ensureOpen();
        Objects.requireNonNull(artifactDir, "artifactDir");
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("a saved model needs a non-blank version");
        }
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("a saved model needs the method it was trained with");
        }
        try {
            if (Files.exists(artifactDir) && !isEmptyDirectory(artifactDir)) {
                throw new IllegalArgumentException("artifact folder " + artifactDir
                        + " already has files; artifacts are immutable, save each version to a new folder");
            }
            Files.createDirectories(artifactDir);
            model.save(artifactDir, manifest.modelName());
            Path params = onlyParamsFile(artifactDir);
            String sha = sha256(params);
            ModelManifest saved = manifest.savedAs(version, parentVersion == null ? "" : parentVersion, method,
                    params.getFileName().toString(), sha, metrics == null ? Map.of() : metrics,
                    System.currentTimeMillis());
            saved.write(artifactDir);
            manifest = saved;
            return new ModelArtifact(artifactDir, saved, sha, artifactDir.toAbsolutePath().toUri());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model " + manifest.modelName() + " version " + version
                    + " to " + artifactDir + ": " + e.getMessage(), e);
        }
    }

    /** What this model is: the manifest it was loaded with or last saved with. */
    public ModelManifest manifest() {
        return manifest;
    }

    /** This model's version, {@code ""} for one that was created and never saved. */
    public String version() {
        return manifest.version();
    }

    /** Scene class names in the order of {@link Prediction#sceneProbabilities()}. */
    public List<String> sceneClasses() {
        return manifest.sceneClasses();
    }

    /** The DJL model, for training (its block is {@link #block()}). */
    public Model djlModel() {
        return model;
    }

    /** The network: input {@code B×3×H×W}, output {@code [sceneLogits, action, embedding]}. */
    public Block block() {
        return block;
    }

    /**
     * Decodes a frame's image (PNG, JPEG, or RAW interleaved 8-bit with 1, 3 or 4 channels),
     * resizes it to the input size by nearest neighbour, and normalises it with the manifest's
     * mean and std into CHW floats of length {@code 3 × height × width}.
     *
     * @throws IllegalArgumentException saying why the image cannot be used
     */
    public float[] preprocess(Image image) {
        ModelManifest m = manifest;
        float[] out = new float[INPUT_CHANNELS * m.inputHeight() * m.inputWidth()];
        try (PngRaster png = new PngRaster()) {
            preprocessInto(image, FloatBuffer.wrap(out), 0, png);
        }
        return out;
    }

    /**
     * {@link #preprocess} into {@code out} from index {@code offset}: the pixels go from the decoded
     * raster (or the RAW bytes) straight into the float buffer, with no intermediate image; a PNG of
     * the input size goes from its inflated rows, with no pixel array either.
     */
    void preprocessInto(Image image, FloatBuffer out, int offset, PngRaster png) {
        Objects.requireNonNull(image, "image");
        if (image.getPayloadCase() != Image.PayloadCase.DATA) {
            throw new IllegalArgumentException("image has no inline bytes (payload " + image.getPayloadCase()
                    + "); the scorer reads inline images only");
        }
        Pixels pixels = switch (image.getEncoding()) {
            case IMAGE_ENCODING_RAW -> rawPixels(image);
            case IMAGE_ENCODING_PNG -> {
                ModelManifest m = manifest;
                yield pngPixels(image, png, new PngRaster.Normalised(m.inputWidth(), m.inputHeight(), scale, shift,
                        out, offset));
            }
            case IMAGE_ENCODING_JPEG -> decodedPixels(image);
            default -> throw new IllegalArgumentException("image encoding " + image.getEncoding()
                    + " is not supported; expected JPEG, PNG or RAW");
        };
        if (pixels != null) {
            toChw(pixels, out, offset);
        }
    }

    /**
     * The calling thread's predictor for this model, made on its first call (later calls must ask
     * for the same batch size and options). It stays open until this model is closed: a stream
     * thread keeps using it batch after batch.
     */
    public BatchPredictor predictor(int batchSize, InferenceOptions options) {
        ensureOpen();
        Thread thread = Thread.currentThread();
        BatchPredictor predictor = predictors.get(thread);
        if (predictor == null) {
            // A stream thread that died (and was replaced) leaves its predictor behind: free it.
            predictors.entrySet().removeIf(e -> {
                if (!e.getKey().isAlive()) {
                    e.getValue().close();
                    return true;
                }
                return false;
            });
            predictor = new BatchPredictor(this, batchSize, options);
            predictors.put(thread, predictor);
            if (closed) {
                // close() ran while this one was being made and may not have seen it.
                predictors.remove(thread);
                predictor.close();
                ensureOpen();
            }
        } else if (predictor.batchSize() != batchSize || !predictor.options().equals(options)) {
            throw new IllegalArgumentException("this thread's predictor of " + this + " runs batches of "
                    + predictor.batchSize() + " with " + predictor.options() + "; asked for " + batchSize + " with "
                    + options + ". One thread scores with one configuration");
        }
        return predictor;
    }

    /**
     * Runs one batch of preprocessed inputs through the network, with autograd off, and returns one
     * prediction per input in the same order.
     */
    public synchronized List<Prediction> predict(List<float[]> inputs) {
        ensureOpen();
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.isEmpty()) {
            return List.of();
        }
        ModelManifest m = manifest;
        int size = m.inputChannels() * m.inputHeight() * m.inputWidth();
        int n = inputs.size();
        float[] batch = new float[n * size];
        for (int i = 0; i < n; i++) {
            float[] input = inputs.get(i);
            if (input == null || input.length != size) {
                throw new IllegalArgumentException("input " + i + " has " + (input == null ? "no" : input.length)
                        + " floats, expected " + size + " (" + m.inputChannels() + "x" + m.inputHeight() + "x"
                        + m.inputWidth() + ", as preprocess returns)");
            }
            System.arraycopy(input, 0, batch, i * size, size);
        }
        // DJL turns autograd off only on the thread that started the engine; on any other thread
        // every forward pass would record a graph. Restore the caller's mode: it may be training.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager batchManager = model.getNDManager().newSubManager()) {
            NDArray x = batchManager.create(batch, new Shape(n, m.inputChannels(), m.inputHeight(), m.inputWidth()));
            NDList out = block.forward(new ParameterStore(batchManager, false), new NDList(x), false);
            float[] probabilities = out.get(0).softmax(1).toFloatArray();
            float[] actions = out.get(1).toFloatArray();
            float[] embeddings = out.get(2).toFloatArray();
            int classes = m.sceneClasses().size();
            int width = m.embeddingSize();
            List<Prediction> predictions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                float[] p = new float[classes];
                System.arraycopy(probabilities, i * classes, p, 0, classes);
                float[] e = new float[width];
                System.arraycopy(embeddings, i * width, e, 0, width);
                predictions.add(new Prediction(p, actions[2 * i], actions[2 * i + 1], l2Normalised(e)));
            }
            return predictions;
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** Frees the native parameters. Further predictions fail. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            predictors.values().forEach(BatchPredictor::close);
            predictors.clear();
            model.close();
        }
    }

    @Override
    public String toString() {
        return "DrivingModel[" + manifest.modelName() + " " + (version().isEmpty() ? "(unsaved)" : version()) + "]";
    }

    static Block buildBlock(int sceneClasses, int embeddingSize) {
        SequentialBlock net = new SequentialBlock();
        for (int filters : CONV_FILTERS) {
            net.add(Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optStride(new Shape(2, 2))
                            .optPadding(new Shape(1, 1))
                            .setFilters(filters)
                            .build())
                    .add(Activation.reluBlock());
        }
        net.add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(embeddingSize).build())
                .add(Activation.reluBlock());
        Block sceneHead = Linear.builder().setUnits(sceneClasses).build();
        Block actionHead = new SequentialBlock()
                .add(Linear.builder().setUnits(2).build())
                .add(Activation.tanhBlock());
        net.add(new ParallelBlock(
                outputs -> new NDList(outputs.get(0).singletonOrThrow(), outputs.get(1).singletonOrThrow(),
                        outputs.get(2).singletonOrThrow()),
                List.of(sceneHead, actionHead, Blocks.identityBlock())));
        return net;
    }

    /**
     * The manifest's parameter file, checked to be a bare DJL file name in the folder whose SHA-256
     * matches the manifest and, unless null, {@code expectedSha256}; its name split into prefix and epoch.
     */
    static Matcher verifiedParamsFile(Path artifactDir, ModelManifest manifest, String expectedSha256) {
        Matcher name = paramsFileName(artifactDir, manifest.paramsFile());
        verifiedFile(artifactDir, manifest, expectedSha256);
        return name;
    }

    /**
     * The manifest's parameter file, checked to be a bare file name in the folder whose SHA-256
     * matches the manifest and, unless null, {@code expectedSha256}.
     */
    static Path verifiedFile(Path artifactDir, ModelManifest manifest, String expectedSha256) {
        bareFileName(artifactDir, manifest.paramsFile());
        Path params = artifactDir.resolve(manifest.paramsFile());
        if (!Files.isRegularFile(params)) {
            throw new UncheckedIOException(new NoSuchFileException(params.toString(), null, "model artifact "
                    + artifactDir + ": parameter file " + manifest.paramsFile() + " named by "
                    + ModelManifest.FILE_NAME + " does not exist (or is not visible yet)"));
        }
        String actual = sha256(params);
        if (!actual.equalsIgnoreCase(manifest.sha256())) {
            throw new ArtifactIntegrityException("model artifact " + artifactDir + ": " + params.getFileName()
                    + " has SHA-256 " + actual + " but " + ModelManifest.FILE_NAME + " records " + manifest.sha256()
                    + "; the file changed after it was saved, so the artifact must be saved and published again");
        }
        if (expectedSha256 != null && !actual.equalsIgnoreCase(expectedSha256)) {
            throw new ArtifactIntegrityException("model artifact " + artifactDir + ": " + params.getFileName()
                    + " has SHA-256 " + actual + " but the publisher expected " + expectedSha256
                    + "; the folder holds a different version than the one announced");
        }
        return params;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to hash it", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * The manifest's parameter file name, checked before anything is read: a bare file name in the
     * artifact folder, as DJL writes it. A path ({@code ../other-0001.params}, {@code /etc/x-0001.params})
     * would make the loader hash and load a file outside the artifact the digest vouches for.
     */
    private static Matcher paramsFileName(Path dir, String paramsFile) {
        bareFileName(dir, paramsFile);
        Matcher name = PARAMS_FILE.matcher(paramsFile);
        if (!name.matches()) {
            throw new IllegalArgumentException("model artifact " + dir + ": parameter file "
                    + paramsFile + " is not named <prefix>-<4-digit epoch>.params as DJL writes it");
        }
        return name;
    }

    private static void bareFileName(Path dir, String paramsFile) {
        if (paramsFile == null || paramsFile.isBlank()) {
            throw new IllegalArgumentException("model artifact " + dir + ": " + ModelManifest.FILE_NAME
                    + " names no parameter file (paramsFile is empty)");
        }
        if (paramsFile.indexOf('\0') >= 0 || paramsFile.contains("/") || paramsFile.contains("\\")
                || paramsFile.equals("..") || Path.of(paramsFile).isAbsolute()) {
            throw new IllegalArgumentException("model artifact " + dir + ": parameter file '" + paramsFile
                    + "' in " + ModelManifest.FILE_NAME + " must be a bare file name inside the artifact folder, "
                    + "not a path; save the artifact again");
        }
    }

    /**
     * Runs one zero frame through the loaded network and checks its outputs against the manifest:
     * DJL loads parameters of any shape, and a manifest that disagrees with them (another embedding
     * size or class count) would otherwise fail only later, in the middle of scoring.
     */
    private static void checkOutputShapes(Path dir, Model model, ModelManifest m) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager trial = model.getNDManager().newSubManager()) {
            NDArray x = trial.zeros(new Shape(1, m.inputChannels(), m.inputHeight(), m.inputWidth()));
            NDList out;
            try {
                out = model.getBlock().forward(new ParameterStore(trial, false), new NDList(x), false);
            } catch (ai.djl.engine.EngineException e) {
                throw new IllegalArgumentException("model artifact " + dir + ": its parameters do not fit a "
                        + m.inputChannels() + "x" + m.inputHeight() + "x" + m.inputWidth() + " input as "
                        + ModelManifest.FILE_NAME + " says: " + e.getMessage(), e);
            }
            Shape expectedScene = new Shape(1, m.sceneClasses().size());
            Shape expectedEmbedding = new Shape(1, m.embeddingSize());
            if (out.size() != 3 || !out.get(0).getShape().equals(expectedScene)
                    || !out.get(1).getShape().equals(new Shape(1, 2))
                    || !out.get(2).getShape().equals(expectedEmbedding)) {
                throw new IllegalArgumentException("model artifact " + dir + ": its parameters give outputs of shapes "
                        + java.util.Arrays.toString(out.getShapes()) + " for one frame, but " + ModelManifest.FILE_NAME + " promises "
                        + m.sceneClasses().size() + " scene classes and an embedding of " + m.embeddingSize()
                        + "; the manifest does not describe these parameters, save the artifact again");
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static void checkCompatible(Path dir, ModelManifest m) {
        if (!ARCHITECTURE.equals(m.architecture())) {
            throw new IllegalArgumentException("model artifact " + dir + " has architecture '" + m.architecture()
                    + "'; this scorer runs '" + ARCHITECTURE + "' only");
        }
        if (m.inputChannels() != INPUT_CHANNELS
                || m.inputWidth() < MIN_INPUT_SIZE || m.inputHeight() < MIN_INPUT_SIZE
                || m.inputWidth() > MAX_INPUT_SIZE || m.inputHeight() > MAX_INPUT_SIZE) {
            throw new IllegalArgumentException("model artifact " + dir + " takes " + m.inputChannels() + "x"
                    + m.inputHeight() + "x" + m.inputWidth() + " input; " + ARCHITECTURE + " takes " + INPUT_CHANNELS
                    + " channels and " + MIN_INPUT_SIZE + " to " + MAX_INPUT_SIZE + " pixels a side");
        }
        if (m.mean() == null || m.std() == null || m.mean().length != INPUT_CHANNELS
                || m.std().length != INPUT_CHANNELS) {
            throw new IllegalArgumentException("model artifact " + dir + ": manifest needs mean and std with "
                    + INPUT_CHANNELS + " values each");
        }
        for (float s : m.std()) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("model artifact " + dir + ": std values must be positive");
            }
        }
        if (m.sceneClasses().size() < 2 || m.embeddingSize() < 2) {
            throw new IllegalArgumentException("model artifact " + dir + ": manifest needs at least 2 scene "
                    + "classes and an embedding size of at least 2");
        }
    }

    static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    static Path onlyParamsFile(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.params")) {
            entries.forEach(found::add);
        }
        if (found.size() != 1) {
            throw new IllegalStateException("DJL wrote " + found.size() + " parameter files to " + dir
                    + ", expected exactly one: " + found);
        }
        return found.get(0);
    }

    private static float[] l2Normalised(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum == 0) {
            return v;
        }
        float inverse = (float) (1 / Math.sqrt(sum));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inverse;
        }
        return v;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /**
     * 8-bit interleaved pixels: sample of band {@code b} at (x, y) is
     * {@code data[base + y*scanlineStride + x*pixelStride + bandOffsets[b]]}, bands R, G, B.
     */
    private record Pixels(byte[] data, int base, int width, int height, int pixelStride, int scanlineStride,
            int[] bandOffsets) {}

    private static Pixels rawPixels(Image image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int c = image.getChannels();
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("RAW image has size " + w + "x" + h + "; width and height must be > 0");
        }
        if (c != 1 && c != 3 && c != 4) {
            throw new IllegalArgumentException("RAW image has " + c + " channels; expected 1 (gray), 3 (RGB) or 4 (RGBA)");
        }
        long expected = (long) w * h * c;
        if (image.getData().size() != expected) {
            throw new IllegalArgumentException("RAW image " + w + "x" + h + "x" + c + " needs " + expected
                    + " bytes but has " + image.getData().size());
        }
        int[] offsets = c == 1 ? new int[] {0, 0, 0} : new int[] {0, 1, 2};
        return new Pixels(image.getData().toByteArray(), 0, w, h, c, w * c, offsets);
    }

    /** The PNG's pixels, to be resized; null when it had the input size and went into {@code target} already. */
    private static Pixels pngPixels(Image image, PngRaster png, PngRaster.Normalised target) {
        PngRaster.Decoded decoded;
        try {
            decoded = png.decode(image.getData().asReadOnlyByteBuffer(), MAX_DECODE_PIXELS, target);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot decode " + image.getEncoding() + " image of "
                    + image.getData().size() + " bytes: " + e.getMessage(), e);
        }
        if (decoded == PngRaster.Decoded.INTO_TARGET) {
            return null;
        }
        if (decoded == null) {
            return decodedPixels(image);
        }
        int c = decoded.channels();
        int[] offsets = c <= 2 ? new int[] {0, 0, 0} : new int[] {0, 1, 2};
        return new Pixels(decoded.data(), 0, decoded.width(), decoded.height(), c, decoded.width() * c, offsets);
    }

    private static Pixels decodedPixels(Image image) {
        BufferedImage decoded;
        // A memory-cached stream: ImageIO.read(InputStream) would cache to a temporary file.
        try (InputStream in = image.getData().newInput()) {
            // ImageIO.read closes the stream it is given once a reader took it.
            ImageInputStream stream = new MemoryCacheImageInputStream(in);
            decoded = ImageIO.read(stream);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode " + image.getEncoding() + " image of "
                    + image.getData().size() + " bytes: " + e.getMessage(), e);
        }
        if (decoded == null) {
            throw new IllegalArgumentException(image.getData().size() + " bytes declared " + image.getEncoding()
                    + " are not an image any installed ImageIO reader recognises");
        }
        Pixels direct = interleavedBytes(decoded);
        if (direct != null) {
            return direct;
        }
        // Palette, 16-bit and packed-int images: draw once into a byte-interleaved copy.
        BufferedImage copy = new BufferedImage(decoded.getWidth(), decoded.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = copy.createGraphics();
        try {
            g.drawImage(decoded, 0, 0, null);
        } finally {
            g.dispose();
        }
        return Objects.requireNonNull(interleavedBytes(copy), "TYPE_3BYTE_BGR is byte-interleaved");
    }

    /** The raster's bytes as {@link Pixels} when it is 8-bit interleaved RGB or gray; null otherwise. */
    private static Pixels interleavedBytes(BufferedImage image) {
        Raster raster = image.getRaster();
        if (!(raster.getDataBuffer() instanceof DataBufferByte buffer) || buffer.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof ComponentSampleModel model)
                || !(image.getColorModel() instanceof ComponentColorModel colors)
                || colors.isAlphaPremultiplied()) {
            return null;
        }
        int[] bands = model.getBandOffsets();
        int[] offsets;
        int type = colors.getColorSpace().getType();
        if (type == ColorSpace.TYPE_RGB && bands.length >= 3) {
            offsets = new int[] {bands[0], bands[1], bands[2]};
        } else if (type == ColorSpace.TYPE_GRAY && bands.length >= 1) {
            offsets = new int[] {bands[0], bands[0], bands[0]};
        } else {
            return null;
        }
        int pixelStride = model.getPixelStride();
        int scanlineStride = model.getScanlineStride();
        int base = buffer.getOffset() - raster.getSampleModelTranslateY() * scanlineStride
                - raster.getSampleModelTranslateX() * pixelStride;
        return new Pixels(buffer.getData(), base, image.getWidth(), image.getHeight(), pixelStride, scanlineStride,
                offsets);
    }

    private void toChw(Pixels p, FloatBuffer out, int offset) {
        ModelManifest m = manifest;
        int outW = m.inputWidth();
        int outH = m.inputHeight();
        int plane = outW * outH;
        // Rows are computed in a heap array and copied in bulk: element puts into a direct buffer
        // cost a bounds check and an unsafe store each.
        float[] row0 = new float[outW];
        float[] row1 = new float[outW];
        float[] row2 = new float[outW];
        int[] sourceX = new int[outW];
        for (int x = 0; x < outW; x++) {
            // Nearest neighbour, sampling at pixel centres; the identity when sizes match.
            sourceX[x] = (int) (((2L * x + 1) * p.width()) / (2L * outW)) * p.pixelStride();
        }
        byte[] data = p.data();
        int o0 = p.bandOffsets()[0];
        int o1 = p.bandOffsets()[1];
        int o2 = p.bandOffsets()[2];
        for (int y = 0; y < outH; y++) {
            int sy = (int) (((2L * y + 1) * p.height()) / (2L * outH));
            int row = p.base() + sy * p.scanlineStride();
            for (int x = 0; x < outW; x++) {
                int i = row + sourceX[x];
                row0[x] = (data[i + o0] & 0xff) * scale[0] + shift[0];
                row1[x] = (data[i + o1] & 0xff) * scale[1] + shift[1];
                row2[x] = (data[i + o2] & 0xff) * scale[2] + shift[2];
            }
            int at = offset + y * outW;
            out.put(at, row0);
            out.put(plane + at, row1);
            out.put(2 * plane + at, row2);
        }
    }
}
