package io.gleaner.uncertainty;

import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.ScoredFrame;
import java.util.Optional;

/**
 * Whether a scored frame carries everything the acquisition functions need. Mirrors the checks in
 * {@link Acquisition}, so a frame that passes here can always be scored.
 */
final class ScoredFrameCheck {
    /** Why a scored frame was rejected: a stable reason code and a sentence for the DLQ header. */
    record Problem(String reason, String detail) {}

    private ScoredFrameCheck() {}

    static Optional<Problem> check(ScoredFrame scored) {
        if (scored == null) {
            return problem("missing-value", "the record has no value (tombstone); frames.scored carries no deletes");
        }
        if (!scored.hasFrame() || scored.getFrame().getFrameId().isEmpty()) {
            return problem("missing-frame-id", "the scored frame has no frame id, which keys the edge case");
        }
        String frameId = scored.getFrame().getFrameId();
        int classes = scored.getSceneProbabilitiesCount();
        if (classes == 0) {
            return problem("missing-scene-probabilities", "frame " + frameId + ": no scene probabilities");
        }
        if (scored.getSceneClassesCount() != 0 && scored.getSceneClassesCount() != classes) {
            return problem("scene-classes-mismatch", "frame " + frameId + ": " + classes + " scene probabilities but "
                    + scored.getSceneClassesCount() + " scene classes");
        }
        for (int i = 0; i < classes; i++) {
            float p = scored.getSceneProbabilities(i);
            if (!Float.isFinite(p) || p < 0f) {
                return problem("invalid-scene-probability", "frame " + frameId + ": scene probability " + i
                        + " is " + p + "; probabilities must be finite and >= 0");
            }
        }
        if (!scored.hasPredictedAction()) {
            return problem("missing-predicted-action", "frame " + frameId + ": the scorer set no predicted action");
        }
        if (!scored.getFrame().hasHumanAction()) {
            return problem("missing-human-action", "frame " + frameId + ": the frame has no human action");
        }
        Optional<Problem> predicted = checkAction(frameId, "predicted", scored.getPredictedAction());
        return predicted.isPresent() ? predicted : checkAction(frameId, "human", scored.getFrame().getHumanAction());
    }

    private static Optional<Problem> checkAction(String frameId, String whose, DriverAction action) {
        if (!Float.isFinite(action.getSteering()) || !Float.isFinite(action.getAcceleration())) {
            return problem("invalid-action", "frame " + frameId + ": " + whose + " action is (steering "
                    + action.getSteering() + ", acceleration " + action.getAcceleration() + "); both must be finite");
        }
        return Optional.empty();
    }

    private static Optional<Problem> problem(String reason, String detail) {
        return Optional.of(new Problem(reason, detail));
    }
}
