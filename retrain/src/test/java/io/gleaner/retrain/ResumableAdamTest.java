package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gleaner.scorer.model.DjlRuntime;
import org.junit.jupiter.api.Test;

class ResumableAdamTest {
    static {
        DjlRuntime.ensureOffline();
    }

    private static final LearningRateSchedule CONSTANT = new LearningRateSchedule(0.1f, 1f, 0, 100);

    /** The weights after one update with gradient {@code first}, then one with {@code second}. */
    private static float[] afterTwoSteps(float clip, float[] first, float[] second) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            ResumableAdam adam = new ResumableAdam(manager.newSubManager(), CONSTANT, 0f, clip);
            NDArray weight = manager.zeros(new Shape(first.length));
            adam.update("w", weight, manager.create(first));
            adam.update("w", weight, manager.create(second));
            return weight.toFloatArray();
        }
    }

    @Test
    void clipsGradientElementsOnBothSides() {
        float[] first = {1f, -1f};
        float[] clippedTo = afterTwoSteps(1f, first, new float[] {1f, -1f});

        assertThat(afterTwoSteps(1f, first, new float[] {100f, -100f}))
                .as("+100 and -100 clipped to +1 and -1").containsExactly(clippedTo);
        assertThat(afterTwoSteps(Float.POSITIVE_INFINITY, first, new float[] {100f, -100f}))
                .as("without clipping the large gradients move the weights elsewhere")
                .doesNotContain(clippedTo[0], clippedTo[1]);
    }
}
