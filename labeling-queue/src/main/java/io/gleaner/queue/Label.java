package io.gleaner.queue;

/**
 * What a labeler says about a frame: the scene class and the action that would have been correct.
 * Validated on construction, so an invalid label never reaches the database.
 *
 * @param scene the scene class, e.g. {@code pedestrian_crossing}; not blank
 * @param steering the correct steering, finite, -1 (left) .. +1 (right)
 * @param acceleration the correct acceleration, finite, -1 (full brake) .. +1 (full throttle)
 */
public record Label(String scene, float steering, float acceleration) {
    public Label {
        if (scene == null || scene.isBlank()) {
            throw new IllegalArgumentException(
                    "label scene is blank: give the scene class the frame shows, e.g. clear_road");
        }
        requireAction("steering", steering, "-1 is full left, +1 full right");
        requireAction("acceleration", acceleration, "-1 is full brake, +1 full throttle");
    }

    private static void requireAction(String name, float value, String meaning) {
        if (!Float.isFinite(value) || value < -1f || value > 1f) {
            throw new IllegalArgumentException(
                    "label " + name + " is " + value + ", must be a finite number in [-1, 1] (" + meaning + ")");
        }
    }
}
