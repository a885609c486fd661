package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
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

    /**
     * Replayed frames per training label (as many as there are, if fewer). Harvested labels are
     * mostly rare scenes; with one replayed frame per label the fine-tuned model drove ordinary
     * frames worse than its parent. Measured on the fleet simulator (seed model on 1,000 frames, 230
     * harvested labels, 150 of them rare, action-only loss): golden-set action error 0.0959 for the
     * parent, 0.1154 after a fine-tune with 1 replayed frame per label, 0.1055 with 4, 0.0837 with 8.
     */
    public static final int REPLAY_PER_LABEL = 8;
    /**
     * Replayed frames at least (as many as there are, if fewer), however few the labels: the
     * fine-tune also goes on teaching ordinary driving. With 43 labels, 344 replayed frames left the
     * golden-set action error at 0.141 and 1,000 at 0.128 (parent 0.096).
     */
    public static final int MIN_REPLAYED = 1_000;
    /**
     * The candidate's weights are this share of the fine-tuned weights plus the rest of the
     * parent's (weight-space averaging, as WiSE-FT does): the fine-tune's direction, half the step.
     * Fitting a few hundred mostly rare labels overshoots into ordinary driving; the average keeps
     * most of the gain on rare scenes. Measured on the fleet simulator (43 harvested labels, 34
     * rare, 1,000 replayed frames; parent: rare 0.314, common 0.106, golden set 0.1005): the
     * fine-tuned weights gave rare 0.275, common 0.250, golden 0.135; their average with the parent
     * rare 0.261, common 0.194, golden 0.118.
     */
    public static final float TUNED_WEIGHT_SHARE = 0.5f;

    private FineTuner() {}

    /** As {@link #fineTune(Path, String, List, List, TrainingConfig)}, trusting the parent's manifest, with no replay. */
    public static DrivingModel fineTune(Path parentArtifact, List<LabeledExample> examples, TrainingConfig config) {
        return fineTune(parentArtifact, null, examples, List.of(), config);
    }

    /**
     * As {@link #fineTuneReporting}, on the parent loaded from {@code parentArtifact} (its parameters
     * checked against {@code expectedSha256}, or only against its manifest when that is null) and
     * closed again, without checkpoints; returns only the model, skipped labels are logged.
     */
    public static DrivingModel fineTune(Path parentArtifact, String expectedSha256, List<LabeledExample> examples,
            List<FrameEvent> replay, TrainingConfig config) {
        try (DrivingModel parent = DrivingModel.load(parentArtifact, expectedSha256)) {
            return fineTuneReporting(parent, examples, replay, config, null).model();
        }
    }

    /**
     * Trains a {@link DrivingModel#copy() copy} of {@code parent} on the examples that are not held
     * out. Returns the trained, unsaved copy with what it trained on; the caller owns and closes it.
     * {@code parent} stays the caller's, open and unchanged (training unfreezes and updates only the
     * copy's parameters), so the caller can judge the candidate against it: a retrain loads the live
     * model once, for both.
     *
     * <p>Harvested frames are by design not what the fleet usually sees; trained on them alone, the
     * model forgets ordinary driving. So {@link #REPLAY_PER_LABEL} {@code replay} frames per training
     * label, at least {@link #MIN_REPLAYED} (a seeded random sample, all of them if there are fewer),
     * are mixed in, with the human's action as the target and no scene. The trained weights are then
     * averaged with the parent's ({@link #TUNED_WEIGHT_SHARE}).
     *
     * <p>A label that cannot be trained on (its scene is not one of the parent's classes, its image
     * cannot be decoded, its action is out of range) is skipped with a WARN naming it and counted
     * in {@link FineTuneResult#skipped()}: one bad label must not stop every later fine-tune. A
     * replayed frame whose image cannot be decoded is skipped the same way.
     *
     * <p>With a {@code checkpointDir}, training writes a checkpoint after every epoch and resumes
     * from one of the same fine-tune: same parent, same training labels and replayed frames, same
     * config (see {@link TrainingLoop}). A fine-tune that crashed goes on where it stopped when it
     * is run again on the same labels; the caller deletes the folder once the result is recorded.
     *
     * @param parent the model to start from, as loaded (and checked) by the caller
     * @param replay unlabeled frames of ordinary driving, e.g. those the seed was cloned from; may be empty
     * @param checkpointDir this model's fine-tune checkpoint folder, or null for none
     *
     * @throws IllegalArgumentException when every example is held out, or no training label is left
     *     once the bad ones are skipped (the message names the first reasons)
     */
    public static FineTuneResult fineTuneReporting(DrivingModel parent, List<LabeledExample> examples,
            List<FrameEvent> replay, TrainingConfig config, Path checkpointDir) {
        HeldOutSplit split = HeldOutSplit.of(examples, config.heldOutEvery());
        if (split.training().isEmpty()) {
            throw new IllegalArgumentException("all " + examples.size() + " labeled examples are held out (one frame in "
                    + config.heldOutEvery() + " is); collect more labels before fine-tuning");
        }
        Screened screened = screen(parent, split.training());
        if (screened.examples().isEmpty()) {
            throw new IllegalArgumentException("none of the " + split.training().size() + " training labels can be"
                    + " trained on: " + summary(screened.skipped()) + "; fix or relabel them");
        }
        List<TrainingExample> training = new ArrayList<>(screened.examples());
        List<FrameEvent> replayed = sample(replay,
                Math.max(MIN_REPLAYED, screened.examples().size() * REPLAY_PER_LABEL), config.seed());
        int replaySkipped = 0;
        for (FrameEvent frame : replayed) {
            try {
                training.addAll(SeedTrainer.behaviourCloningExamples(parent, List.of(frame)));
            } catch (IllegalArgumentException e) {
                replaySkipped++;
                LOG.warn("skipping replayed frame {}: {}", frame.getFrameId(), e.getMessage());
            }
        }
        TrainingLoop.Checkpoints checkpoints = checkpointDir == null ? null : new TrainingLoop.Checkpoints(
                checkpointDir, fingerprint(parent.manifest(), screened, replayed, config));
        DrivingModel model = parent.copy();
        try {
            TrainingReport report = TrainingLoop.fit(model, training, config, checkpoints);
            shortenStep(model, parent, TUNED_WEIGHT_SHARE);
            LOG.info(String.format("fine-tuned %s from v%s on %d labels (%d held out, %d skipped) + %d replayed frames"
                            + " (%d skipped): loss %.4f -> %.4f, %.1f images/s",
                    model.manifest().modelName(), model.version(), screened.examples().size(), split.heldOut().size(),
                    screened.skipped().size(), replayed.size() - replaySkipped, replaySkipped,
                    report.firstEpochLoss(), report.lastEpochLoss(), report.imagesPerSecond()));
            return new FineTuneResult(model, screened.examples().size(), screened.skipped(), report.resumedAfterEpoch());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Moves every weight of {@code tuned} back towards {@code parent}'s, keeping {@code factor} of
     * the step from the parent: {@code w ← parent + factor · (w − parent)}. A candidate averaged at
     * share {@code s} becomes one averaged at {@code factor · s}.
     *
     * @throws IllegalArgumentException when {@code factor} is not in (0, 1]
     */
    public static void shortenStep(DrivingModel tuned, DrivingModel parent, float factor) {
        if (!(factor > 0f && factor <= 1f)) {
            throw new IllegalArgumentException("step factor is " + factor + "; it must be in (0, 1]");
        }
        var parentParameters = parent.djlModel().getBlock().getParameters();
        for (var pair : tuned.djlModel().getBlock().getParameters()) {
            float[] own = pair.getValue().getArray().toFloatArray();
            float[] theirs = parentParameters.get(pair.getKey()).getArray().toFloatArray();
            for (int i = 0; i < own.length; i++) {
                own[i] = theirs[i] + factor * (own[i] - theirs[i]);
            }
            pair.getValue().getArray().set(FloatBuffer.wrap(own));
        }
    }

    /**
     * Every input that changes a fine-tune's result, hashed: the parent's parameters, the labels and
     * replayed frames in training order, the config and this class's constants.
     */
    private static String fingerprint(ModelManifest parent, Screened screened, List<FrameEvent> replayed,
            TrainingConfig config) {
        StringBuilder inputs = new StringBuilder()
                .append("parent=").append(parent.modelName()).append(':').append(parent.sha256())
                .append(";config=").append(config)
                .append(";share=").append(TUNED_WEIGHT_SHARE)
                .append(";labels=");
        screened.labelIds().forEach(id -> inputs.append(id).append(','));
        inputs.append(";replay=");
        replayed.forEach(frame -> inputs.append(frame.getFrameId()).append(','));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(inputs.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must have", e);
        }
    }

    private static String summary(List<String> skipped) {
        int shown = Math.min(3, skipped.size());
        return String.join("; ", skipped.subList(0, shown))
                + (skipped.size() > shown ? "; and " + (skipped.size() - shown) + " more" : "");
    }

    private static List<FrameEvent> sample(List<FrameEvent> frames, int count, long seed) {
        List<FrameEvent> shuffled = new ArrayList<>(frames);
        Collections.shuffle(shuffled, new Random(seed));
        return shuffled.subList(0, Math.min(count, shuffled.size()));
    }

    /** Training examples made from labels, and one line per label that could not be used. */
    record Screened(List<TrainingExample> examples, List<Long> labelIds, List<String> skipped) {}

    /**
     * Like {@link #toTrainingExamples}, but a label that cannot be used is skipped with a WARN
     * naming its id, frame and reason instead of failing the whole set.
     */
    static Screened screen(DrivingModel model, List<LabeledExample> examples) {
        List<TrainingExample> usable = new ArrayList<>(examples.size());
        List<Long> usableIds = new ArrayList<>(examples.size());
        List<String> skipped = new ArrayList<>();
        for (LabeledExample example : examples) {
            try {
                usable.add(toTrainingExample(model, example));
                usableIds.add(example.labelId());
            } catch (IllegalArgumentException e) {
                LOG.warn("skipping label {} (frame {}) in fine-tuning: {}", example.labelId(), example.frameId(),
                        e.getMessage());
                skipped.add(e.getMessage());
            }
        }
        return new Screened(usable, usableIds, skipped);
    }

    /**
     * Decodes each example through the model's preprocessing and maps its scene to the model's class index.
     *
     * @throws IllegalArgumentException at the first example that cannot be used, naming it
     */
    static List<TrainingExample> toTrainingExamples(DrivingModel model, List<LabeledExample> examples) {
        List<TrainingExample> training = new ArrayList<>(examples.size());
        for (LabeledExample example : examples) {
            training.add(toTrainingExample(model, example));
        }
        return training;
    }

    private static TrainingExample toTrainingExample(DrivingModel model, LabeledExample example) {
        List<String> classes = model.sceneClasses();
        String which = "label " + example.labelId() + " (frame " + example.frameId() + "): ";
        int sceneIndex = classes.indexOf(example.scene());
        if (sceneIndex < 0) {
            throw new IllegalArgumentException(which + "scene '" + example.scene() + "' is not one of model "
                    + model.manifest().modelName() + "'s classes " + classes
                    + "; fix the label or train a model that knows this class");
        }
        try {
            // LabeledImages already names the label; its message goes through as it is.
            float[] input = model.preprocess(LabeledImages.imageOf(example));
            return new TrainingExample(input, example.steering(), example.acceleration(), sceneIndex);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IllegalArgumentException(message.startsWith("label ") ? message : which + message, e);
        }
    }
}
