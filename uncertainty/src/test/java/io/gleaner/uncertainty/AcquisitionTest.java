package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AcquisitionTest {

    @Test
    void uniformOverThreeClassesHasEntropyOne() {
        float third = 1f / 3f;
        assertThat(Acquisition.normalizedEntropy(new float[] {third, third, third})).isCloseTo(1.0, within(1e-7));
    }

    @Test
    void oneHotHasEntropyZero() {
        assertThat(Acquisition.normalizedEntropy(new float[] {0f, 1f, 0f})).isEqualTo(0.0);
    }

    @Test
    void singleClassHasEntropyZero() {
        assertThat(Acquisition.normalizedEntropy(new float[] {1f})).isEqualTo(0.0);
    }

    @Test
    void entropyOfQuarterThreeQuartersIsPointEightOneOneTwo() {
        // -(0.25 ln 0.25 + 0.75 ln 0.75) / ln 2 = 0.8112781244591328 bits
        assertThat(Acquisition.normalizedEntropy(new float[] {0.25f, 0.75f})).isCloseTo(0.8112781244591328, within(1e-12));
    }

    @Test
    void zeroProbabilitiesCountAsZeroButStillSetTheClassCount() {
        // ln 2 / ln 4 = 0.5: two equally likely classes out of four.
        assertThat(Acquisition.normalizedEntropy(new float[] {0.5f, 0.5f, 0f, 0f})).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void marginOfATieIsZero() {
        assertThat(Acquisition.margin(new float[] {0.5f, 0.5f})).isEqualTo(0.0);
    }

    @Test
    void marginIsTopOneMinusTopTwoWhateverTheOrder() {
        assertThat(Acquisition.margin(new float[] {0.125f, 0.625f, 0.25f})).isEqualTo(0.375);
        assertThat(Acquisition.margin(new float[] {0.25f, 0.125f, 0.625f})).isEqualTo(0.375);
    }

    @Test
    void marginOfOneClassIsItsProbability() {
        assertThat(Acquisition.margin(new float[] {1f})).isEqualTo(1.0);
    }

    @Test
    void oppositeCornersDisagreeFully() {
        assertThat(Acquisition.actionDisagreement(1f, 1f, -1f, -1f)).isCloseTo(1.0, within(1e-15));
    }

    @Test
    void threeFourFiveTriangleGivesHalfOverTwoRootTwo() {
        // distance 0.5 (3-4-5), divided by 2√2 = 0.17677669529663687; 0.3f and 0.4f round in float.
        assertThat(Acquisition.actionDisagreement(0f, 0f, 0.3f, 0.4f)).isCloseTo(0.5 / (2 * Math.sqrt(2)), within(1e-8));
        assertThat(Acquisition.actionDisagreement(0f, 0f, 0.3f, 0.4f)).isCloseTo(0.17677669529663687, within(1e-8));
    }

    @Test
    void fullSteeringSwingAloneIsOneOverRootTwo() {
        assertThat(Acquisition.actionDisagreement(1f, -1f, -1f, -1f)).isCloseTo(Math.sqrt(0.5), within(1e-15));
    }

    @Test
    void agreementIsZero() {
        assertThat(Acquisition.actionDisagreement(0.25f, -0.5f, 0.25f, -0.5f)).isEqualTo(0.0);
    }

    @Test
    void actionsBeyondTheRangeSaturateAtOne() {
        assertThat(Acquisition.actionDisagreement(2f, 2f, -2f, -2f)).isEqualTo(1.0);
    }

    @Test
    void rejectsEmptyAndNullProbabilities() {
        assertThatThrownBy(() -> Acquisition.normalizedEntropy(new float[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Acquisition.margin(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    }

    @Test
    void rejectsNaNAndNegativeProbabilitiesNamingTheIndex() {
        assertThatThrownBy(() -> Acquisition.normalizedEntropy(new float[] {0.5f, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p[1] is NaN");
        assertThatThrownBy(() -> Acquisition.margin(new float[] {-0.1f, 1.1f}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p[0] is -0.1");
    }

    @Test
    void rejectsNaNAndInfiniteActionsNamingTheArgument() {
        assertThatThrownBy(() -> Acquisition.actionDisagreement(0f, Float.NaN, 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("predAccel is NaN");
        assertThatThrownBy(() -> Acquisition.actionDisagreement(0f, 0f, Float.POSITIVE_INFINITY, 0f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("humanSteer is Infinity");
    }
}
