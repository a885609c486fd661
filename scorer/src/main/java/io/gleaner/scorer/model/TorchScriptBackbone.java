package io.gleaner.scorer.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A backbone a user brings as a TorchScript file (e.g. a DINO or ResNet-50 exported by a research
 * team with {@code torch.jit.trace} or {@code torch.jit.script}), run by DJL's PyTorch engine.
 *
 * <p>{@link #importFile} turns the {@code .pt} file into an artifact like every other: the file
 * copied into a new folder and a {@link ModelManifest} with architecture {@value #ARCHITECTURE},
 * the input size, channels and normalisation the exporter used (a TorchScript file does not record
 * them), the embedding width measured by one forward pass, and the file's SHA-256. {@link #load}
 * checks the SHA-256 before loading, then runs one zero frame and refuses the artifact unless the
 * output is {@code 1×embeddingSize}, so a wrong file never reaches a scorer.
 *
 * <p>The module's forward must take one {@code B×C×H×W} float tensor and return a {@code B×E}
 * tensor (or a tuple whose first element is one).
 */
public final class TorchScriptBackbone implements EmbeddingBackbone {
    static {
        DjlRuntime.ensureOffline();
    }

    /** The architecture id of imported TorchScript backbones. */
    public static final String ARCHITECTURE = "torchscript";
    /** Method recorded for an imported backbone. */
    public static final String METHOD_IMPORTED = "imported-torchscript";

    private final Model model;
    private final ModelManifest manifest;

    private TorchScriptBackbone(Model model, ModelManifest manifest) {
        this.model = model;
        this.manifest = manifest;
    }

    /**
     * Copies {@code ptFile} into the new artifact folder {@code artifactDir} with its manifest.
     *
     * @param modelName names the model and the copied file ({@code <modelName>.pt})
     * @param mean per-channel mean the exporter normalised with, after scaling pixels to [0,1]
     * @param std per-channel std the exporter normalised with
     * @throws IllegalArgumentException when the folder is not new, the sizes are inconsistent, or the
     *     file is not a TorchScript module that maps one frame to a 1×E embedding
     */
    public static ModelArtifact importFile(Path ptFile, Path artifactDir, String modelName, String version,
            int inputChannels, int inputWidth, int inputHeight, float[] mean, float[] std) {
        Objects.requireNonNull(ptFile, "ptFile");
        if (modelName == null || !modelName.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model name '" + modelName
                    + "' must be non-empty letters, digits, '.', '_' or '-' (it names the .pt file)");
        }
        if (inputChannels < 1 || inputWidth < 1 || inputHeight < 1 || inputWidth > 4096 || inputHeight > 4096) {
            throw new IllegalArgumentException("input " + inputChannels + "x" + inputHeight + "x" + inputWidth
                    + " is not a frame size");
        }
        if (mean == null || std == null || mean.length != inputChannels || std.length != inputChannels) {
            throw new IllegalArgumentException("mean and std need " + inputChannels + " values each, one per channel");
        }
        if (!Files.isRegularFile(ptFile)) {
            throw new IllegalArgumentException(ptFile + " is not a file; export the backbone with torch.jit.trace"
                    + " or torch.jit.script and .save() it");
        }
        try {
            if (Files.exists(artifactDir) && !DrivingModel.isEmptyDirectory(artifactDir)) {
                throw new IllegalArgumentException("artifact folder " + artifactDir
                        + " already has files; artifacts are immutable, import into a new folder");
            }
            Files.createDirectories(artifactDir);
            Path copy = artifactDir.resolve(modelName + ".pt");
            Files.copy(ptFile, copy);
            String sha = DrivingModel.sha256(copy);
            ModelManifest draft = new ModelManifest(modelName, version, "", ARCHITECTURE, inputWidth, inputHeight,
                    inputChannels, mean, std, List.of(), 0, METHOD_IMPORTED, copy.getFileName().toString(), sha, Map.of(),
                    0, System.currentTimeMillis(), ptFile.toAbsolutePath().toString(), 0, Map.of());
            int embeddingSize;
            try (Model probe = open(artifactDir, draft)) {
                embeddingSize = outputWidth(probe, draft, artifactDir);
            }
            ModelManifest manifest = new ModelManifest(modelName, version, "", ARCHITECTURE, inputWidth, inputHeight,
                    inputChannels, mean, std, List.of(), embeddingSize, METHOD_IMPORTED, copy.getFileName().toString(),
                    sha, Map.of(), 0, System.currentTimeMillis(), "imported from " + ptFile.toAbsolutePath(), 0, Map.of());
            manifest.write(artifactDir);
            return new ModelArtifact(artifactDir, manifest, sha, artifactDir.toAbsolutePath().toUri());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + ptFile + " into " + artifactDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads an imported artifact after checking the file's SHA-256 against the manifest and, unless
     * null, {@code expectedSha256}, and that one frame gives a {@code 1×embeddingSize} output.
     *
     * @throws ArtifactIntegrityException when a digest does not match
     * @throws IllegalArgumentException when the artifact is not TorchScript or gives the wrong shape
     */
    public static TorchScriptBackbone load(Path artifactDir, String expectedSha256) {
        ModelManifest manifest = ModelManifest.read(artifactDir);
        if (!ARCHITECTURE.equals(manifest.architecture())) {
            throw new IllegalArgumentException("model artifact " + artifactDir + " has architecture '"
                    + manifest.architecture() + "', not " + ARCHITECTURE);
        }
        if (manifest.mean() == null || manifest.std() == null || manifest.mean().length != manifest.inputChannels()
                || manifest.std().length != manifest.inputChannels()) {
            throw new IllegalArgumentException("model artifact " + artifactDir + ": manifest needs mean and std with "
                    + manifest.inputChannels() + " values each");
        }
        DrivingModel.verifiedFile(artifactDir, manifest, expectedSha256);
        Model model = open(artifactDir, manifest);
        try {
            int width = outputWidth(model, manifest, artifactDir);
            if (width != manifest.embeddingSize()) {
                throw new IllegalArgumentException("model artifact " + artifactDir + ": the module returns " + width
                        + " values per frame but the manifest records embedding size " + manifest.embeddingSize()
                        + "; import the file again");
            }
            return new TorchScriptBackbone(model, manifest);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public ModelManifest manifest() {
        return manifest;
    }

    @Override
    public float[] embed(float[] images, int count) {
        return forward(model, manifest, images, count).values();
    }

    @Override
    public void close() {
        model.close();
    }

    private static Model open(Path artifactDir, ModelManifest manifest) {
        String file = manifest.paramsFile();
        if (!file.endsWith(".pt")) {
            throw new IllegalArgumentException("model artifact " + artifactDir + ": TorchScript file " + file
                    + " must end in .pt");
        }
        Model model = Model.newInstance(manifest.modelName(), "PyTorch");
        try {
            model.load(artifactDir, file.substring(0, file.length() - 3));
            return model;
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalArgumentException("model artifact " + artifactDir + ": " + file
                    + " is not a TorchScript module DJL can load: " + e.getMessage(), e);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("model artifact " + artifactDir + ": cannot read " + file, e);
        }
    }

    private static int outputWidth(Model model, ModelManifest manifest, Path artifactDir) {
        int size = manifest.inputChannels() * manifest.inputHeight() * manifest.inputWidth();
        long[] dims;
        try {
            dims = forward(model, manifest, new float[size], 1).shape();
        } catch (ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException("model artifact " + artifactDir + ": the module fails on a "
                    + manifest.inputChannels() + "x" + manifest.inputHeight() + "x" + manifest.inputWidth()
                    + " frame (wrong input size or channels in the manifest?): " + e.getMessage(), e);
        }
        if (dims.length != 2 || dims[0] != 1 || dims[1] < 1) {
            throw new IllegalArgumentException("model artifact " + artifactDir + ": one "
                    + manifest.inputChannels() + "x" + manifest.inputHeight() + "x" + manifest.inputWidth()
                    + " frame gives an output of shape " + Arrays.toString(dims)
                    + "; a backbone must return 1xE (flatten or pool its features before exporting)");
        }
        return Math.toIntExact(dims[1]);
    }

    /** A forward pass's first output, copied out of native memory. */
    private record Output(float[] values, long[] shape) {}

    private static Output forward(Model model, ModelManifest manifest, float[] images, int count) {
        int size = manifest.inputChannels() * manifest.inputHeight() * manifest.inputWidth();
        if (images.length != (long) count * size) {
            throw new IllegalArgumentException(count + " frames of " + manifest.inputChannels() + "x"
                    + manifest.inputHeight() + "x" + manifest.inputWidth() + " need " + (long) count * size
                    + " floats, got " + images.length);
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager batch = model.getNDManager().newSubManager()) {
            NDArray x = batch.create(images, new Shape(count, manifest.inputChannels(), manifest.inputHeight(),
                    manifest.inputWidth()));
            NDArray first = model.getBlock().forward(new ParameterStore(batch, false), new NDList(x), false).get(0);
            return new Output(first.toFloatArray(), first.getShape().getShape());
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
