package io.gleaner.queue;

/**
 * What a labeler says about a frame: the scene class, the action that would have been correct,
 * and optional free-text notes. Validated on construction, so an invalid label never reaches the
 * database.
 *
 * @param scene the scene class, e.g. {@code pedestrian_crossing}; not blank, at most
 *     {@value #MAX_SCENE_CHARS} characters
 * @param steering the correct steering, finite, -1 (left) .. +1 (right)
 * @param acceleration the correct acceleration, finite, -1 (full brake) .. +1 (full throttle)
 * @param notes what the labeler wants to say about the frame, or {@code null}; at most
 *     {@value #MAX_NOTES_CHARS} characters
 */
public record Label(String scene, float steering, float acceleration, String notes) {
    /** Longest scene class name accepted. */
    public static final int MAX_SCENE_CHARS = 100;
    /** Longest notes accepted, as the {@code labels_notes_length_ck} constraint allows. */
    public static final int MAX_NOTES_CHARS = 2000;

    public Label {
        if (scene == null || scene.isBlank()) {
            throw new IllegalArgumentException(
                    "label scene is blank: give the scene class the frame shows, e.g. clear_road");
        }
        if (scene.length() > MAX_SCENE_CHARS) {
            throw new IllegalArgumentException("label scene is " + scene.length() + " characters long, at most "
                    + MAX_SCENE_CHARS + " allowed: give the scene class name, e.g. clear_road");
        }
        requireAction("steering", steering, "-1 is full left, +1 full right");
        requireAction("acceleration", acceleration, "-1 is full brake, +1 full throttle");
        if (notes != null && notes.isBlank()) {
            notes = null;
        }
        if (notes != null && notes.length() > MAX_NOTES_CHARS) {
            throw new IllegalArgumentException("label notes are " + notes.length() + " characters long, at most "
                    + MAX_NOTES_CHARS + " allowed: shorten them");
        }
    }

    /** A label without notes. */
    public Label(String scene, float steering, float acceleration) {
        this(scene, steering, acceleration, null);
    }

    private static void requireAction(String name, float value, String meaning) {
        if (!Float.isFinite(value) || value < -1f || value > 1f) {
            throw new IllegalArgumentException(
                    "label " + name + " is " + value + ", must be a finite number in [-1, 1] (" + meaning + ")");
        }
    }
}
