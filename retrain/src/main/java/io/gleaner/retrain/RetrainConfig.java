package io.gleaner.retrain;

import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How the retrain role decides to retrain, where it keeps artifacts, and how it trains and gates.
 *
 * @param modelName the model this role retrains
 * @param triggers what starts a run: new labels, a schedule, a drift alarm, admin requests
 * @param modelsDir artifacts go to {@code <modelsDir>/<modelName>/v<version>/}
 * @param fineTune how candidates are fine-tuned, including the held-out split
 * @param gate how candidates are judged against the live model
 * @param maxTrainingLabels how many labels one run uses at most: the most recent ones by label id
 *     (held-out ones included), so a run's memory and time stay bounded however many labels pile
 *     up; older labels are then no longer trained on or judged on; ≥ 1
 */
public record RetrainConfig(String modelName, RetrainTriggers triggers, Path modelsDir, TrainingConfig fineTune,
        EvaluationGate gate, int maxTrainingLabels) {

    /** The default of {@link #maxTrainingLabels()}: about 1 GB of 64×64 RGB inputs as floats, plus their images. */
    public static final int DEFAULT_MAX_TRAINING_LABELS = 20_000;

    public RetrainConfig {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(triggers, "triggers");
        Objects.requireNonNull(modelsDir, "modelsDir");
        Objects.requireNonNull(fineTune, "fineTune");
        Objects.requireNonNull(gate, "gate");
        if (modelName.isBlank()) {
            throw new IllegalArgumentException("retrain.model-name is blank; the default is " + ModelSpec.DEFAULT_MODEL_NAME);
        }
        if (maxTrainingLabels < 1) {
            throw new IllegalArgumentException("retrain.max-training-labels is " + maxTrainingLabels
                    + "; it must be at least 1, e.g. " + DEFAULT_MAX_TRAINING_LABELS);
        }
    }

    /**
     * "gleaner-driving", {@link RetrainTriggers#defaults()} (100 new labels or an admin's request), artifacts under ./models, fine-tune and gate defaults, at
     * most the 20,000 most recent labels per run.
     */
    public static RetrainConfig defaults() {
        return new RetrainConfig(ModelSpec.DEFAULT_MODEL_NAME, RetrainTriggers.defaults(), Path.of("models"),
                TrainingConfig.fineTuneDefaults(), EvaluationGate.defaults(), DEFAULT_MAX_TRAINING_LABELS);
    }

    /** The new-labels trigger's threshold, 0 when that trigger is off. */
    public int minNewLabels() {
        return triggers.minNewLabels();
    }

    public RetrainConfig withMinNewLabels(int newMinNewLabels) {
        return withTriggers(triggers.withMinNewLabels(newMinNewLabels));
    }

    public RetrainConfig withTriggers(RetrainTriggers newTriggers) {
        return new RetrainConfig(modelName, newTriggers, modelsDir, fineTune, gate, maxTrainingLabels);
    }

    public RetrainConfig withModelsDir(Path newModelsDir) {
        return new RetrainConfig(modelName, triggers, newModelsDir, fineTune, gate, maxTrainingLabels);
    }

    public RetrainConfig withFineTune(TrainingConfig newFineTune) {
        return new RetrainConfig(modelName, triggers, modelsDir, newFineTune, gate, maxTrainingLabels);
    }

    public RetrainConfig withGate(EvaluationGate newGate) {
        return new RetrainConfig(modelName, triggers, modelsDir, fineTune, newGate, maxTrainingLabels);
    }

    public RetrainConfig withMaxTrainingLabels(int newMaxTrainingLabels) {
        return new RetrainConfig(modelName, triggers, modelsDir, fineTune, gate, newMaxTrainingLabels);
    }

    /** The folder version {@code version} of this model is saved to. */
    public Path artifactDir(int version) {
        return modelsDir.resolve(modelName).resolve("v" + version);
    }

    /**
     * Where a fine-tune of this model writes its checkpoints, so that a run cut short by a crash
     * goes on where it stopped: {@code <modelsDir>/<modelName>/fine-tune-checkpoint/}.
     */
    public Path fineTuneCheckpointDir() {
        return modelsDir.resolve(modelName).resolve("fine-tune-checkpoint");
    }
}
