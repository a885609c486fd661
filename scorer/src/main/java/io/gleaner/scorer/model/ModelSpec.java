package io.gleaner.scorer.model;

import java.util.List;
import java.util.Objects;

/**
 * The shape of a driving model to create: name, input size and scene classes.
 *
 * @param modelName the model's name, also the key of its {@code model-updates} records
 * @param inputWidth width in pixels that images are resized to
 * @param inputHeight height in pixels that images are resized to
 * @param sceneClasses scene class names, in the order of the scene head's outputs
 * @param embeddingSize length of the backbone embedding
 */
public record ModelSpec(String modelName, int inputWidth, int inputHeight, List<String> sceneClasses,
        int embeddingSize) {
    /** Name of the model every Gleaner stage uses unless configured otherwise. */
    public static final String DEFAULT_MODEL_NAME = "gleaner-driving";

    public ModelSpec {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(sceneClasses, "sceneClasses");
        if (modelName.isBlank() || !modelName.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("model name '" + modelName
                    + "' must be non-empty letters, digits, '.', '_' or '-' (it names the parameter file)");
        }
        // The backbone halves the input four times before the embedding layer.
        if (inputWidth < DrivingModel.MIN_INPUT_SIZE || inputHeight < DrivingModel.MIN_INPUT_SIZE
                || inputWidth > DrivingModel.MAX_INPUT_SIZE || inputHeight > DrivingModel.MAX_INPUT_SIZE) {
            throw new IllegalArgumentException("input " + inputWidth + "x" + inputHeight + " is not supported: "
                    + DrivingModel.ARCHITECTURE + " takes " + DrivingModel.MIN_INPUT_SIZE + " to "
                    + DrivingModel.MAX_INPUT_SIZE + " pixels a side");
        }
        if (sceneClasses.size() < 2) {
            throw new IllegalArgumentException("need at least 2 scene classes, got " + sceneClasses);
        }
        if (sceneClasses.stream().distinct().count() != sceneClasses.size()
                || sceneClasses.stream().anyMatch(c -> c == null || c.isBlank())) {
            throw new IllegalArgumentException("scene classes must be distinct and non-blank, got " + sceneClasses);
        }
        if (embeddingSize < 2 || embeddingSize > 4096) {
            throw new IllegalArgumentException("embedding size " + embeddingSize + " must be in 2..4096");
        }
        sceneClasses = List.copyOf(sceneClasses);
    }

    /** The spec Gleaner uses by default: "gleaner-driving", 64x64 input, 64-wide embedding. */
    public static ModelSpec defaults(List<String> sceneClasses) {
        return new ModelSpec(DEFAULT_MODEL_NAME, DrivingModel.INPUT_SIZE, DrivingModel.INPUT_SIZE, sceneClasses, 64);
    }
}
