package io.gleaner.uncertainty.acquisition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ActionHeadTest {

    @Test
    void varianceIsThePopulationVarianceOfTheSamples() {
        // mean 2; ((1 − 2)² + (3 − 2)²) / 2 = 1
        assertThat(ActionHead.variance(new float[] {1f, 3f})).isEqualTo(1.0);
        assertThat(ActionHead.variance(new float[] {0.5f})).isEqualTo(0.0);
        // Var(1, 3) + Var(-1, 1) = 1 + 1
        assertThat(ActionHead.actionVariance(new float[] {1f, 3f}, new float[] {-1f, 1f})).isEqualTo(2.0);
    }

    @Test
    void actionVarianceNeedsOnePairPerSample() {
        assertThatThrownBy(() -> ActionHead.actionVariance(new float[] {1f, 3f}, new float[] {1f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steering has 2 samples but acceleration has 1");
        assertThatThrownBy(() -> ActionHead.variance(new float[] {1f, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variance: samples[1] is NaN");
        assertThatThrownBy(() -> ActionHead.variance(new float[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variance: samples is empty");
    }

    @Test
    void disagreementIsTheDistanceOverTheDiameterOfTheActionSquare() {
        // opposite corners: 2√2 / 2√2
        assertThat(ActionHead.disagreement(1f, 1f, -1f, -1f)).isCloseTo(1.0, within(1e-15));
        // 3-4-5 triangle: 0.5 / 2√2 = 0.17677669529663687 (0.3f, 0.4f round in float)
        assertThat(ActionHead.disagreement(0f, 0f, 0.3f, 0.4f)).isCloseTo(0.17677669529663687, within(1e-8));
        // a full steering swing alone: 2 / 2√2 = 1/√2
        assertThat(ActionHead.disagreement(1f, -1f, -1f, -1f)).isCloseTo(Math.sqrt(0.5), within(1e-15));
        assertThat(ActionHead.disagreement(0.25f, -0.5f, 0.25f, -0.5f)).isEqualTo(0.0);
        assertThat(ActionHead.disagreement(2f, 2f, -2f, -2f)).isEqualTo(1.0);
    }

    @Test
    void surpriseIsTheErrorInUnitsOfThePredictedSpread() {
        // z_s = (0.5 − 0.2) / 0.1 = 3, z_a = (0 − 0.4) / 0.2 = −2; √(9 + 4) = √13 = 3.605551275463989
        assertThat(ActionHead.surprise(0.5f, 0f, 0.2f, 0.4f, 0.1f, 0.2f, ActionHead.DEFAULT_SPREAD_FLOOR))
                .isCloseTo(3.605551275463989, within(1e-6));
    }

    @Test
    void aConfidentWrongPredictionIsMoreSurprisingThanAnUnsureOne() {
        // same error 0.4 in steering: 0.4 / 0.1 = 4 against 0.4 / 0.5 = 0.8
        double confident = ActionHead.surprise(0.4f, 0f, 0f, 0f, 0.1f, 0.1f, 0.05);
        double unsure = ActionHead.surprise(0.4f, 0f, 0f, 0f, 0.5f, 0.5f, 0.05);
        assertThat(confident).isCloseTo(4.0, within(1e-6));
        assertThat(unsure).isCloseTo(0.8, within(1e-6));
    }

    @Test
    void aSpreadOfZeroIsFlooredInsteadOfDividingByZero() {
        // 0.1 / max(0, 0.05) = 2 (steering), 0 / 0.05 = 0 (acceleration)
        assertThat(ActionHead.surprise(0.1f, 0f, 0f, 0f, 0f, 0f, 0.05)).isCloseTo(2.0, within(1e-6));
        assertThat(ActionHead.surprise(0.3f, 0.3f, 0.3f, 0.3f, 0f, 0f, 0.05)).isEqualTo(0.0);
    }

    @Test
    void badArgumentsAreRejectedNamingTheArgument() {
        assertThatThrownBy(() -> ActionHead.disagreement(0f, Float.NaN, 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("disagreement: predAccel is NaN");
        assertThatThrownBy(() -> ActionHead.disagreement(0f, 0f, Float.POSITIVE_INFINITY, 0f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("humanSteer is Infinity");
        assertThatThrownBy(() -> ActionHead.surprise(0f, 0f, 0f, 0f, -0.1f, 0f, 0.05))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("surprise: steeringSpread is -0.1; a spread is a standard deviation and must be >= 0");
        assertThatThrownBy(() -> ActionHead.surprise(0f, 0f, 0f, 0f, 0f, 0f, 0.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spreadFloor is 0.0");
        assertThatThrownBy(() -> ActionHead.surprise(0f, 0f, 0f, 0f, 0f, Float.NaN, 0.05))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accelerationSpread is NaN");
    }
}
