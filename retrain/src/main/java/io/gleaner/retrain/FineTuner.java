package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes a saved model on human labels: the corrected action and the scene. Frames that
 * {@link HeldOutSplit} holds out never reach training, whoever calls, so the evaluation gate
 * always judges on frames the candidate has not seen.
 */
public final class FineTuner {
    private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

    /** What {@code ModelManifest.method} says of a model this class trained. */
    public static final String METHOD = "fine-tune";

    private FineTuner() {}

    /** As {@link #fineTune(Path, String, List, List, TrainingConfig)}, trusting the parent's manifest, with no replay. */
    public static DrivingModel fineTune(Path parentArtifact, List<LabeledExample> examples, TrainingConfig config) {
        return fineTune(parentArtifact, null, examples, List.of(), config);
    }

    /**
     * Loads the parent artifact (its parameters checked against {@code expectedSha256}, or only
     * against its manifest when that is null) and trains it on the examples that are not held out.
     * Returns the trained, unsaved model; the caller owns and closes it.
     *
     * <p>Harvested frames are by design not what the fleet usually sees; trained on them alone, the
     * model forgets ordinary driving. So as many {@code replay} frames as there are training labels
     * (a seeded random sample) are mixed in, with the human's action as the target and no scene.
     *
     * @param replay unlabeled frames of ordinary driving, e.g. those the seed was cloned from; may be empty
     *
     * @throws IllegalArgumentException when a label's scene is not one of the parent's classes,
     *     an image cannot be decoded, or every example is held out
     */
    public static DrivingModel fineTune(Path parentArtifact, String expectedSha256, List<LabeledExample> examples,
            List<FrameEvent> replay, TrainingConfig config) {
        HeldOutSplit split = HeldOutSplit.of(examples, config.heldOutEvery());
        if (split.training().isEmpty()) {
            throw new IllegalArgumentException("all " + examples.size() + " labeled examples are held out (one frame in "
                    + config.heldOutEvery() + " is); collect more labels before fine-tuning");
        }
        DrivingModel model = DrivingModel.load(parentArtifact, expectedSha256);
        try {
            List<TrainingExample> training = new ArrayList<>(toTrainingExamples(model, split.training()));
            List<FrameEvent> replayed = sample(replay, split.training().size(), config.seed());
            training.addAll(SeedTrainer.behaviourCloningExamples(model, replayed));
            TrainingReport report = TrainingLoop.fit(model, training, config);
            LOG.info(String.format("fine-tuned %s from v%s on %d labels (%d held out) + %d replayed frames:"
                            + " loss %.4f -> %.4f, %.1f images/s",
                    model.manifest().modelName(), model.version(), split.training().size(), split.heldOut().size(),
                    replayed.size(), report.firstEpochLoss(), report.lastEpochLoss(), report.imagesPerSecond()));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static List<FrameEvent> sample(List<FrameEvent> frames, int count, long seed) {
        List<FrameEvent> shuffled = new ArrayList<>(frames);
        Collections.shuffle(shuffled, new Random(seed));
        return shuffled.subList(0, Math.min(count, shuffled.size()));
    }

    /** Decodes each example through the model's preprocessing and maps its scene to the model's class index. */
    static List<TrainingExample> toTrainingExamples(DrivingModel model, List<LabeledExample> examples) {
        List<String> classes = model.sceneClasses();
        List<TrainingExample> training = new ArrayList<>(examples.size());
        for (LabeledExample example : examples) {
            int sceneIndex = classes.indexOf(example.scene());
            if (sceneIndex < 0) {
                throw new IllegalArgumentException("label " + example.labelId() + " (frame " + example.frameId()
                        + "): scene '" + example.scene() + "' is not one of model " + model.manifest().modelName()
                        + "'s classes " + classes + "; fix the label or train a model that knows this class");
            }
            float[] input;
            try {
                input = model.preprocess(LabeledImages.imageOf(example));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("label " + example.labelId() + " (frame " + example.frameId()
                        + "): " + e.getMessage(), e);
            }
            training.add(new TrainingExample(input, example.steering(), example.acceleration(), sceneIndex));
        }
        return training;
    }
}
