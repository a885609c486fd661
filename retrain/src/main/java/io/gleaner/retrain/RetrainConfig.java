package io.gleaner.retrain;

import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How the retrain role decides to retrain, where it keeps artifacts, and how it trains and gates.
 *
 * @param modelName the model this role retrains
 * @param minNewLabels labels that must arrive after the last finished run before another starts, ≥ 1
 * @param modelsDir artifacts go to {@code <modelsDir>/<modelName>/v<version>/}
 * @param fineTune how candidates are fine-tuned, including the held-out split
 * @param gate how candidates are judged against the live model
 */
public record RetrainConfig(String modelName, int minNewLabels, Path modelsDir, TrainingConfig fineTune,
        EvaluationGate gate) {

    public RetrainConfig {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelsDir, "modelsDir");
        Objects.requireNonNull(fineTune, "fineTune");
        Objects.requireNonNull(gate, "gate");
        if (modelName.isBlank()) {
            throw new IllegalArgumentException("retrain.model-name is blank; the default is " + ModelSpec.DEFAULT_MODEL_NAME);
        }
        if (minNewLabels < 1) {
            throw new IllegalArgumentException("retrain.min-new-labels is " + minNewLabels + "; it must be at least 1");
        }
    }

    /** "gleaner-driving", 100 new labels, artifacts under ./models, fine-tune and gate defaults. */
    public static RetrainConfig defaults() {
        return new RetrainConfig(ModelSpec.DEFAULT_MODEL_NAME, 100, Path.of("models"),
                TrainingConfig.fineTuneDefaults(), EvaluationGate.defaults());
    }

    public RetrainConfig withMinNewLabels(int newMinNewLabels) {
        return new RetrainConfig(modelName, newMinNewLabels, modelsDir, fineTune, gate);
    }

    public RetrainConfig withModelsDir(Path newModelsDir) {
        return new RetrainConfig(modelName, minNewLabels, newModelsDir, fineTune, gate);
    }

    public RetrainConfig withFineTune(TrainingConfig newFineTune) {
        return new RetrainConfig(modelName, minNewLabels, modelsDir, newFineTune, gate);
    }

    /** The folder version {@code version} of this model is saved to. */
    public Path artifactDir(int version) {
        return modelsDir.resolve(modelName).resolve("v" + version);
    }
}
