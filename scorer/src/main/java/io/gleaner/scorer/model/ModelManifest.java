package io.gleaner.scorer.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The {@code manifest.json} of a model artifact: everything needed to rebuild the network, feed it
 * and trust its parameter file.
 *
 * @param modelName the model's name (the {@code model-updates} key)
 * @param version this version's id
 * @param parentVersion the version it was trained from, {@code ""} for none
 * @param architecture network layout id; loading refuses ones this build does not know
 * @param inputWidth input width in pixels
 * @param inputHeight input height in pixels
 * @param inputChannels input channels (3, RGB)
 * @param mean per-channel mean subtracted after scaling pixels to [0,1]
 * @param std per-channel standard deviation divided by after the mean
 * @param sceneClasses scene class names in the order of the scene head's outputs
 * @param embeddingSize length of the backbone embedding
 * @param method how the parameters were trained ("seed-behavior-cloning", "fine-tune", "random-init")
 * @param paramsFile the parameter file's name inside the artifact folder
 * @param sha256 hex SHA-256 of the parameter file
 * @param metrics evaluation metrics recorded when the version was made
 * @param seed the random seed the parameters were first initialised with
 * @param createdTimeMs when the artifact was written, epoch milliseconds
 * @param data what the parameters were trained on (e.g. {@code fashion-mnist:train 60000 images}),
 *     {@code ""} when not recorded
 * @param epochs passes over {@code data} that made these parameters, 0 when not recorded
 * @param architectureOptions the sizes that, with {@code architecture}, rebuild the network
 *     (e.g. {@code width}, {@code stages}, {@code blocksPerStage}); empty for fixed layouts
 */
public record ModelManifest(String modelName, String version, String parentVersion, String architecture,
        int inputWidth, int inputHeight, int inputChannels, float[] mean, float[] std, List<String> sceneClasses,
        int embeddingSize, String method, String paramsFile, String sha256, Map<String, Double> metrics,
        long seed, long createdTimeMs, String data, int epochs, Map<String, Integer> architectureOptions) {
    /** File name of the manifest inside an artifact folder. */
    public static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            // Manifests written by newer versions may carry fields this one does not know.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ModelManifest {
        sceneClasses = sceneClasses == null ? List.of() : List.copyOf(sceneClasses);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        parentVersion = parentVersion == null ? "" : parentVersion;
        version = version == null ? "" : version;
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        data = data == null ? "" : data;
        architectureOptions = architectureOptions == null ? Map.of() : Map.copyOf(architectureOptions);
    }

    /** A manifest that records no training data, epoch count or architecture options. */
    public ModelManifest(String modelName, String version, String parentVersion, String architecture,
            int inputWidth, int inputHeight, int inputChannels, float[] mean, float[] std, List<String> sceneClasses,
            int embeddingSize, String method, String paramsFile, String sha256, Map<String, Double> metrics,
            long seed, long createdTimeMs) {
        this(modelName, version, parentVersion, architecture, inputWidth, inputHeight, inputChannels, mean, std,
                sceneClasses, embeddingSize, method, paramsFile, sha256, metrics, seed, createdTimeMs, "", 0, Map.of());
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    /**
     * Reads {@code manifest.json} from an artifact folder.
     *
     * @throws IllegalArgumentException when the file is not a manifest
     * @throws UncheckedIOException when the file is missing or cannot be read (which may pass: a
     *     shared volume may not show a new artifact yet)
     */
    public static ModelManifest read(Path artifactDir) {
        Path file = artifactDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new NoSuchFileException(file.toString(), null, "model artifact "
                    + artifactDir + " has no " + FILE_NAME + " (yet?): is this the folder DrivingModel.save wrote?"));
        }
        try {
            return JSON.readValue(file.toFile(), ModelManifest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes this manifest to {@code manifest.json} in the folder, replacing the file atomically. */
    public void write(Path artifactDir) {
        Path file = artifactDir.resolve(FILE_NAME);
        Path tmp = artifactDir.resolve(FILE_NAME + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** This manifest with another version, lineage, method, parameter file and metrics. */
    ModelManifest savedAs(String newVersion, String newParent, String newMethod, String newParamsFile,
            String newSha256, Map<String, Double> newMetrics, long newCreatedTimeMs) {
        return new ModelManifest(modelName, newVersion, newParent, architecture, inputWidth, inputHeight,
                inputChannels, mean, std, sceneClasses, embeddingSize, newMethod, newParamsFile, newSha256,
                newMetrics, seed, newCreatedTimeMs, data, epochs, architectureOptions);
    }

    /** This manifest saved as a new version that also records its training data and epoch count. */
    ModelManifest savedAs(String newVersion, String newParent, String newMethod, String newParamsFile,
            String newSha256, Map<String, Double> newMetrics, long newCreatedTimeMs, String newData, int newEpochs) {
        return new ModelManifest(modelName, newVersion, newParent, architecture, inputWidth, inputHeight,
                inputChannels, mean, std, sceneClasses, embeddingSize, newMethod, newParamsFile, newSha256,
                newMetrics, seed, newCreatedTimeMs, newData, newEpochs, architectureOptions);
    }
}
