package io.gleaner.uncertainty.acquisition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClassProbabilitiesTest {
    private static final float THIRD = 1f / 3f;

    @Test
    void oneClassAtProbabilityOneIsCertainByEveryMeasure() {
        float[] oneHot = {0f, 1f, 0f};
        assertThat(ClassProbabilities.leastConfidence(oneHot)).isEqualTo(0.0);
        assertThat(ClassProbabilities.margin(oneHot)).isEqualTo(1.0);
        assertThat(ClassProbabilities.entropy(oneHot)).isEqualTo(0.0);
        assertThat(ClassProbabilities.normalizedEntropy(oneHot)).isEqualTo(0.0);
    }

    @Test
    void uniformIsAsUncertainAsItGets() {
        float[] uniform = {THIRD, THIRD, THIRD};
        // 1 − 1/3 = 2/3; margin 1/3 − 1/3 = 0; entropy ln 3 = 1.0986122886681098; normalized ln 3 / ln 3 = 1.
        assertThat(ClassProbabilities.leastConfidence(uniform)).isCloseTo(2.0 / 3.0, within(1e-7));
        assertThat(ClassProbabilities.margin(uniform)).isEqualTo(0.0);
        assertThat(ClassProbabilities.entropy(uniform)).isCloseTo(1.0986122886681098, within(1e-7));
        assertThat(ClassProbabilities.normalizedEntropy(uniform)).isCloseTo(1.0, within(1e-7));
    }

    @Test
    void aSingleClassHasNothingToBeUnsureAbout() {
        float[] single = {1f};
        assertThat(ClassProbabilities.leastConfidence(single)).isEqualTo(0.0);
        assertThat(ClassProbabilities.margin(single)).isEqualTo(1.0);
        assertThat(ClassProbabilities.entropy(single)).isEqualTo(0.0);
        assertThat(ClassProbabilities.normalizedEntropy(single)).isEqualTo(0.0);
    }

    @Test
    void quarterThreeQuartersWorkedByHand() {
        float[] p = {0.25f, 0.75f};
        // 1 − 0.75 = 0.25
        assertThat(ClassProbabilities.leastConfidence(p)).isEqualTo(0.25);
        // 0.75 − 0.25 = 0.5
        assertThat(ClassProbabilities.margin(p)).isEqualTo(0.5);
        // 0.25·ln 4 + 0.75·ln(4/3) = 0.34657359027997264 + 0.21576155433883565 = 0.5623351446188083 nats
        assertThat(ClassProbabilities.entropy(p)).isCloseTo(0.5623351446188083, within(1e-15));
        // 0.5623351446188083 / ln 2 = 0.8112781244591328 (bits)
        assertThat(ClassProbabilities.normalizedEntropy(p)).isCloseTo(0.8112781244591328, within(1e-12));
    }

    @Test
    void marginIsTopOneMinusTopTwoWhateverTheOrder() {
        // 0.625 − 0.25 = 0.375, all exact in binary
        assertThat(ClassProbabilities.margin(new float[] {0.125f, 0.625f, 0.25f})).isEqualTo(0.375);
        assertThat(ClassProbabilities.margin(new float[] {0.25f, 0.125f, 0.625f})).isEqualTo(0.375);
    }

    @Test
    void zeroProbabilitiesCountAsZeroButStillSetTheClassCount() {
        // ln 2 / ln 4 = 0.5: two equally likely classes out of four.
        assertThat(ClassProbabilities.normalizedEntropy(new float[] {0.5f, 0.5f, 0f, 0f})).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void nullAndEmptyAreRejectedSayingWhatToPass() {
        assertThatThrownBy(() -> ClassProbabilities.entropy(new float[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("entropy: p is empty; pass the scorer's softmax, one value per class");
        assertThatThrownBy(() -> ClassProbabilities.margin(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("margin: p is null");
    }

    @Test
    void nanInfiniteAndNegativeValuesAreRejectedNamingTheIndex() {
        assertThatThrownBy(() -> ClassProbabilities.normalizedEntropy(new float[] {0.5f, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("normalizedEntropy: p[1] is NaN; every probability must be a finite number >= 0"
                        + " (check the scorer's softmax)");
        assertThatThrownBy(() -> ClassProbabilities.leastConfidence(new float[] {Float.POSITIVE_INFINITY}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p[0] is Infinity");
        assertThatThrownBy(() -> ClassProbabilities.margin(new float[] {-0.1f, 1.1f}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("p[0] is -0.1");
    }
}
