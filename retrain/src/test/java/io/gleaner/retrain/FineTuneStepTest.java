package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.scorer.model.DrivingModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FineTuneStepTest {

    private static List<float[]> weights(DrivingModel model) {
        List<float[]> weights = new ArrayList<>();
        model.djlModel().getBlock().getParameters().forEach(p -> weights.add(p.getValue().getArray().toFloatArray()));
        return weights;
    }

    @Test
    void aShareSetsEveryWeightThatFarAlongTheStepAndTheStepCanBeWalkedBackAndForth() {
        try (DrivingModel live = DrivingModel.create(DrivingScenes.spec(), 1L);
                DrivingModel tuned = DrivingModel.create(DrivingScenes.spec(), 2L)) {
            List<float[]> start = weights(live);
            List<float[]> end = weights(tuned);
            FineTuneStep step = FineTuneStep.between(live, tuned);

            step.moveTo(tuned, 0.3f);
            List<float[]> atThreeTenths = weights(tuned);
            step.moveTo(tuned, 0.15f);
            step.moveTo(tuned, 1f);
            List<float[]> atTheEnd = weights(tuned);

            for (int k = 0; k < start.size(); k++) {
                for (int i = 0; i < start.get(k).length; i++) {
                    assertThat(atThreeTenths.get(k)[i]).as("parameter %d [%d] at 0.3", k, i)
                            .isCloseTo(start.get(k)[i] + 0.3f * (end.get(k)[i] - start.get(k)[i]), within(1e-6f));
                }
                // From the copies taken by between(), not from the weights of the last move.
                assertThat(atTheEnd.get(k)).as("parameter %d back at the full step", k).isEqualTo(end.get(k));
            }
            assertThat(weights(live).get(0)).as("the live model is not touched").isEqualTo(start.get(0));
        }
    }

    @Test
    void aShareOutsideZeroToOneIsRefused() {
        try (DrivingModel live = DrivingModel.create(DrivingScenes.spec(), 1L);
                DrivingModel tuned = DrivingModel.create(DrivingScenes.spec(), 2L)) {
            FineTuneStep step = FineTuneStep.between(live, tuned);
            assertThatThrownBy(() -> step.moveTo(tuned, 0f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1]");
            assertThatThrownBy(() -> step.moveTo(tuned, 1.5f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1]");
        }
    }
}
