package io.gleaner.uncertainty;

/**
 * Why the selection stage sent a scored frame to {@code frames.dlq}. The {@link #code()} is written
 * to the {@code DlqHeaders.REASON} header, so codes never change once released.
 */
public enum MalformedReason {
    /** The record had no value (a tombstone). */
    MISSING_VALUE("missing-value"),
    /** The scored frame has no frame, or its frame has no id. */
    MISSING_FRAME_ID("missing-frame-id"),
    /** The frame carries no inline image bytes, which the labeling queue needs to show labelers. */
    MISSING_IMAGE("missing-image"),
    /** The scorer produced no scene probabilities. */
    MISSING_SCENE_PROBABILITIES("missing-scene-probabilities"),
    /** The number of scene class names differs from the number of scene probabilities. */
    SCENE_CLASSES_MISMATCH("scene-classes-mismatch"),
    /** A scene probability is NaN, infinite or negative. */
    INVALID_SCENE_PROBABILITY("invalid-scene-probability"),
    /** The scorer set no predicted action. */
    MISSING_PREDICTED_ACTION("missing-predicted-action"),
    /** The frame has no human action. */
    MISSING_HUMAN_ACTION("missing-human-action"),
    /** The predicted or the human action is not finite. */
    INVALID_ACTION("invalid-action"),
    /** A predicted action spread is NaN, infinite or negative. */
    INVALID_SPREAD("invalid-spread"),
    /** The scorer's novelty is NaN or infinite. */
    INVALID_NOVELTY("invalid-novelty"),
    /** An embedding value is NaN or infinite. */
    INVALID_EMBEDDING("invalid-embedding");

    private final String code;

    MalformedReason(String code) {
        this.code = code;
    }

    /** The short, stable code written to the DLQ reason header, e.g. {@code missing-image}. */
    public String code() {
        return code;
    }
}
