package io.gleaner.retrain;

import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the first model of a name by behaviour cloning: it learns to copy the human driver's
 * action on unlabeled frames. Nobody has labeled a scene yet, so the scene head's loss is masked
 * out and the head stays untrained. This stands in for the self-supervised backbone a later
 * change brings.
 */
public final class SeedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SeedTrainer.class);

    /** What {@code ModelManifest.method} says of a model this class trained. */
    public static final String METHOD = "seed-behavior-cloning";

    private SeedTrainer() {}

    /**
     * Returns a new, unsaved model trained on the frames' human actions; the caller owns and closes it.
     *
     * @throws IllegalArgumentException when there are no frames or a frame's image cannot be decoded
     */
    public static DrivingModel train(ModelSpec spec, List<FrameEvent> frames, TrainingConfig config) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to train the seed model " + spec.modelName()
                    + " on; run the simulator or point the trainer at recorded frames");
        }
        DrivingModel model = DrivingModel.create(spec, config.seed());
        try {
            List<TrainingExample> examples = behaviourCloningExamples(model, frames);
            TrainingReport report = TrainingLoop.fit(model, examples, config);
            LOG.info(String.format("seed model %s: %d frames, loss %.4f -> %.4f, %.1f images/s",
                    spec.modelName(), frames.size(), report.firstEpochLoss(), report.lastEpochLoss(),
                    report.imagesPerSecond()));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Each frame's image as the model's input, with the human's action as the target and no scene. */
    static List<TrainingExample> behaviourCloningExamples(DrivingModel model, List<FrameEvent> frames) {
        List<TrainingExample> examples = new ArrayList<>(frames.size());
        for (FrameEvent frame : frames) {
            float[] input;
            try {
                input = model.preprocess(frame.getImage());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("frame " + frame.getFrameId() + ": " + e.getMessage(), e);
            }
            examples.add(TrainingExample.actionOnly(input,
                    clamp(frame.getHumanAction().getSteering()),
                    clamp(frame.getHumanAction().getAcceleration())));
        }
        return examples;
    }

    // Sensor noise can push a recorded action a hair past the range the tanh head can reach.
    private static float clamp(float value) {
        return Math.max(-1f, Math.min(1f, value));
    }
}
