package io.gleaner.retrain;

import java.util.Objects;

/**
 * One preprocessed input with the targets the training loop fits.
 *
 * @param input the model's input, CHW floats as {@code DrivingModel.preprocess} makes them
 * @param steering target steering, -1 .. +1
 * @param acceleration target acceleration, -1 .. +1
 * @param sceneIndex index into the model's scene classes, or {@link #NO_SCENE} when the scene is
 *     unknown (its cross-entropy term is then masked out)
 */
public record TrainingExample(float[] input, float steering, float acceleration, int sceneIndex) {

    /** The scene is not known for this example: only the action is learned from it. */
    public static final int NO_SCENE = -1;

    public TrainingExample {
        Objects.requireNonNull(input, "input");
        if (!(steering >= -1f && steering <= 1f) || !(acceleration >= -1f && acceleration <= 1f)) {
            throw new IllegalArgumentException("target action (" + steering + ", " + acceleration
                    + ") is outside [-1, 1]; clamp the human or labeled action first");
        }
        if (sceneIndex < NO_SCENE) {
            throw new IllegalArgumentException("sceneIndex is " + sceneIndex + "; use NO_SCENE (-1) when unknown");
        }
    }

    /** An example with a known action and no scene label. */
    public static TrainingExample actionOnly(float[] input, float steering, float acceleration) {
        return new TrainingExample(input, steering, acceleration, NO_SCENE);
    }

    public boolean hasScene() {
        return sceneIndex != NO_SCENE;
    }
}
