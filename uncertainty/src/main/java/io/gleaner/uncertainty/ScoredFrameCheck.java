package io.gleaner.uncertainty;

import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ScoredFrame;
import java.util.Optional;

/**
 * Whether a scored frame carries everything the acquisition functions need, and everything the
 * labeling queue needs to turn it into a task (inline image bytes, one class name per scene
 * probability): a frame the queue would refuse must go to {@code frames.dlq} here, with its reason,
 * rather than be harvested and lost downstream. Mirrors the checks of the acquisition functions, so a
 * frame that passes here can always be scored.
 */
final class ScoredFrameCheck {
    /** Why a scored frame was rejected: a stable reason and a sentence for the DLQ header. */
    record Problem(MalformedReason reason, String detail) {}

    /**
     * A scored frame with the outcome of its one check: {@code problem} is null when it passed.
     * The topology checks each record once and routes on this.
     */
    record Checked(ScoredFrame frame, Problem problem) {
        static Checked of(ScoredFrame frame) {
            return new Checked(frame, check(frame).orElse(null));
        }

        boolean wellFormed() {
            return problem == null;
        }
    }

    private ScoredFrameCheck() {}

    static Optional<Problem> check(ScoredFrame scored) {
        if (scored == null) {
            return problem(MalformedReason.MISSING_VALUE,
                    "the record has no value (tombstone); frames.scored carries no deletes");
        }
        if (!scored.hasFrame() || scored.getFrame().getFrameId().isEmpty()) {
            return problem(MalformedReason.MISSING_FRAME_ID, "the scored frame has no frame id, which keys the edge case");
        }
        String frameId = scored.getFrame().getFrameId();
        Image image = scored.getFrame().getImage();
        if (image.getPayloadCase() != Image.PayloadCase.DATA || image.getData().isEmpty()) {
            return problem(MalformedReason.MISSING_IMAGE, "frame " + frameId + ": the frame carries no inline image bytes"
                    + " (payload: " + image.getPayloadCase() + "); the labeling queue needs them to show labelers");
        }
        int classes = scored.getSceneProbabilitiesCount();
        if (classes == 0) {
            return problem(MalformedReason.MISSING_SCENE_PROBABILITIES, "frame " + frameId + ": no scene probabilities");
        }
        if (scored.getSceneClassesCount() != classes) {
            return problem(MalformedReason.SCENE_CLASSES_MISMATCH, "frame " + frameId + ": " + classes
                    + " scene probabilities but " + scored.getSceneClassesCount()
                    + " scene classes; the scorer must name one class per probability");
        }
        for (int i = 0; i < classes; i++) {
            float p = scored.getSceneProbabilities(i);
            if (!Float.isFinite(p) || p < 0f) {
                return problem(MalformedReason.INVALID_SCENE_PROBABILITY, "frame " + frameId + ": scene probability " + i
                        + " is " + p + "; probabilities must be finite and >= 0");
            }
        }
        if (!scored.hasPredictedAction()) {
            return problem(MalformedReason.MISSING_PREDICTED_ACTION, "frame " + frameId + ": the scorer set no predicted action");
        }
        if (!scored.getFrame().hasHumanAction()) {
            return problem(MalformedReason.MISSING_HUMAN_ACTION, "frame " + frameId + ": the frame has no human action");
        }
        Optional<Problem> predicted = checkAction(frameId, "predicted", scored.getPredictedAction());
        if (predicted.isPresent()) {
            return predicted;
        }
        Optional<Problem> human = checkAction(frameId, "human", scored.getFrame().getHumanAction());
        if (human.isPresent()) {
            return human;
        }
        float steeringSpread = scored.getSteeringSpread();
        float accelerationSpread = scored.getAccelerationSpread();
        if (!Float.isFinite(steeringSpread) || steeringSpread < 0f
                || !Float.isFinite(accelerationSpread) || accelerationSpread < 0f) {
            return problem(MalformedReason.INVALID_SPREAD, "frame " + frameId + ": predicted spread is (steering "
                    + steeringSpread + ", acceleration " + accelerationSpread + "); spreads are standard deviations,"
                    + " finite and >= 0 (0 when the scorer has one head)");
        }
        if (!Float.isFinite(scored.getNovelty())) {
            return problem(MalformedReason.INVALID_NOVELTY, "frame " + frameId + ": novelty is " + scored.getNovelty()
                    + "; it must be finite (0 when not computed)");
        }
        for (int i = 0; i < scored.getEmbeddingCount(); i++) {
            if (!Float.isFinite(scored.getEmbedding(i))) {
                return problem(MalformedReason.INVALID_EMBEDDING, "frame " + frameId + ": embedding value " + i
                        + " is " + scored.getEmbedding(i) + "; every value must be finite");
            }
        }
        return Optional.empty();
    }

    private static Optional<Problem> checkAction(String frameId, String whose, DriverAction action) {
        if (!Float.isFinite(action.getSteering()) || !Float.isFinite(action.getAcceleration())) {
            return problem(MalformedReason.INVALID_ACTION, "frame " + frameId + ": " + whose + " action is (steering "
                    + action.getSteering() + ", acceleration " + action.getAcceleration() + "); both must be finite");
        }
        return Optional.empty();
    }

    private static Optional<Problem> problem(MalformedReason reason, String detail) {
        return Optional.of(new Problem(reason, detail));
    }
}
