package io.gleaner.scorer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of a {@link Backbone}: a small ResNet for frames of 28 to 96 pixels a side.
 *
 * <p>A 3×3 stem convolution with {@code width} filters, then {@code stages} stages of
 * {@code blocksPerStage} residual blocks each; every stage after the first halves the resolution
 * and doubles the filters. Global average pooling gives an embedding of
 * {@code width × 2^(stages-1)} values. Compute grows with {@code width²} and the block count, so
 * {@code width 32, stages 3, blocksPerStage 1} is the size that pretrains in minutes on two cores.
 *
 * @param modelName the model's name, also the prefix of its parameter file
 * @param inputChannels 1 (gray) or 3 (RGB)
 * @param inputSize width and height in pixels that images are resized to, 28..96
 * @param width filters of the stem and first stage, 8..256
 * @param stages resolution stages, 1..4
 * @param blocksPerStage residual blocks in each stage (the depth), 1..4
 * @param mean per-channel mean subtracted after scaling pixels to [0,1]
 * @param std per-channel standard deviation divided by after the mean
 */
public record BackboneSpec(String modelName, int inputChannels, int inputSize, int width, int stages,
        int blocksPerStage, float[] mean, float[] std) {
    /** Smallest input side. */
    public static final int MIN_INPUT_SIZE = 28;
    /** Largest input side. */
    public static final int MAX_INPUT_SIZE = 96;

    public BackboneSpec {
        Objects.requireNonNull(modelName, "modelName");
        if (modelName.isBlank() || !modelName.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model name '" + modelName
                    + "' must be non-empty letters, digits, '.', '_' or '-' (it names the parameter file)");
        }
        if (inputChannels != 1 && inputChannels != 3) {
            throw new IllegalArgumentException("input channels " + inputChannels + ": use 1 (gray) or 3 (RGB)");
        }
        if (inputSize < MIN_INPUT_SIZE || inputSize > MAX_INPUT_SIZE) {
            throw new IllegalArgumentException("input size " + inputSize + " px is outside " + MIN_INPUT_SIZE + ".."
                    + MAX_INPUT_SIZE + "; " + Backbone.ARCHITECTURE + " is sized for small frames, resize larger ones");
        }
        if (width < 8 || width > 256) {
            throw new IllegalArgumentException("width " + width + " must be in 8..256");
        }
        if (stages < 1 || stages > 4) {
            throw new IllegalArgumentException("stages " + stages + " must be in 1..4");
        }
        if (blocksPerStage < 1 || blocksPerStage > 4) {
            throw new IllegalArgumentException("blocks per stage " + blocksPerStage + " must be in 1..4");
        }
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length != inputChannels || std.length != inputChannels) {
            throw new IllegalArgumentException("mean and std need " + inputChannels + " values each (one per channel), got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std values must be positive, got " + s);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * Gray 28×28 frames (Fashion-MNIST), width 32, 3 stages of 1 block: a 128-value embedding, with
     * the given normalisation.
     */
    public static BackboneSpec gray28(float mean, float std) {
        return new BackboneSpec("gleaner-backbone", 1, 28, 32, 3, 1, new float[] {mean}, new float[] {std});
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Length of the embedding: the last stage's filter count. */
    public int embeddingSize() {
        return width << (stages - 1);
    }

    /** The sizes a manifest records in {@code architectureOptions} to rebuild this layout. */
    public Map<String, Integer> architectureOptions() {
        Map<String, Integer> options = new LinkedHashMap<>();
        options.put("width", width);
        options.put("stages", stages);
        options.put("blocksPerStage", blocksPerStage);
        return options;
    }

    /**
     * The spec a manifest describes.
     *
     * @throws IllegalArgumentException when the manifest is not of {@link Backbone#ARCHITECTURE} or its
     *     sizes are missing or out of range
     */
    public static BackboneSpec of(ModelManifest manifest) {
        if (!Backbone.ARCHITECTURE.equals(manifest.architecture())) {
            throw new IllegalArgumentException("manifest of " + manifest.modelName() + " has architecture '"
                    + manifest.architecture() + "', not " + Backbone.ARCHITECTURE);
        }
        if (manifest.inputWidth() != manifest.inputHeight()) {
            throw new IllegalArgumentException("manifest of " + manifest.modelName() + " has a "
                    + manifest.inputWidth() + "x" + manifest.inputHeight() + " input; " + Backbone.ARCHITECTURE
                    + " takes square frames");
        }
        Map<String, Integer> options = manifest.architectureOptions();
        for (String key : new String[] {"width", "stages", "blocksPerStage"}) {
            if (!options.containsKey(key)) {
                throw new IllegalArgumentException("manifest of " + manifest.modelName() + " lacks architectureOptions."
                        + key + "; it was not written by Backbone.save");
            }
        }
        float[] mean = manifest.mean();
        float[] std = manifest.std();
        if (mean == null || std == null) {
            throw new IllegalArgumentException("manifest of " + manifest.modelName() + " has no mean/std normalisation");
        }
        return new BackboneSpec(manifest.modelName(), manifest.inputChannels(), manifest.inputWidth(),
                options.get("width"), options.get("stages"), options.get("blocksPerStage"), mean, std);
    }
}
