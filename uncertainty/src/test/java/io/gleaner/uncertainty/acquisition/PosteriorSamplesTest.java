package io.gleaner.uncertainty.acquisition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PosteriorSamplesTest {

    @Test
    void samplesConfidentAboutDifferentClassesHaveMaximalMutualInformation() {
        float[][] samples = {{1f, 0f}, {0f, 1f}};
        // mean (0.5, 0.5): H = ln 2; each sample one-hot: H = 0; BALD = ln 2 − 0
        assertThat(PosteriorSamples.bald(samples)).isCloseTo(Math.log(2), within(1e-15));
        // votes 1 and 1: mode count 1 of T = 2, so 1 − 1/2
        assertThat(PosteriorSamples.variationRatio(samples)).isEqualTo(0.5);
        assertThat(PosteriorSamples.mean(samples)).containsExactly(0.5, 0.5);
    }

    @Test
    void samplesThatAgreeOnBeingUnsureHaveNoMutualInformation() {
        float[][] samples = {{0.5f, 0.5f}, {0.5f, 0.5f}};
        // H(mean) = ln 2 and mean H = ln 2: nothing a label about the parameters would settle
        assertThat(PosteriorSamples.bald(samples)).isEqualTo(0.0);
        // both arg-max ties go to class 0: 2 of 2 votes, 1 − 2/2
        assertThat(PosteriorSamples.variationRatio(samples)).isEqualTo(0.0);
    }

    @Test
    void twoAgainstOneWorkedByHand() {
        float[][] samples = {{0.9f, 0.1f}, {0.9f, 0.1f}, {0.1f, 0.9f}};
        // mean = (1.9/3, 1.1/3) = (0.6333333, 0.3666667) with the floats 0.9f, 0.1f
        // H(mean) = 0.6333333·0.4567584 + 0.3666667·1.0033021 = 0.6571578
        // H(0.9, 0.1) = 0.9·0.1053605 + 0.1·2.3025851 = 0.3250830 for every sample
        // BALD = 0.6571578 − 0.3250830 = 0.3320748
        assertThat(PosteriorSamples.bald(samples)).isCloseTo(0.332074773176821, within(1e-9));
        // votes: class 0 twice, class 1 once; 1 − 2/3
        assertThat(PosteriorSamples.variationRatio(samples)).isCloseTo(1.0 / 3.0, within(1e-15));
    }

    @Test
    void oneSampleAndOneClassAreDegenerateButValid() {
        assertThat(PosteriorSamples.bald(new float[][] {{0.3f, 0.7f}})).isEqualTo(0.0);
        assertThat(PosteriorSamples.variationRatio(new float[][] {{0.3f, 0.7f}})).isEqualTo(0.0);
        assertThat(PosteriorSamples.bald(new float[][] {{1f}, {1f}})).isEqualTo(0.0);
        assertThat(PosteriorSamples.variationRatio(new float[][] {{1f}, {1f}})).isEqualTo(0.0);
    }

    @Test
    void samplesOfDifferentClassCountsAreRejected() {
        assertThatThrownBy(() -> PosteriorSamples.bald(new float[][] {{0.5f, 0.5f}, {0.2f, 0.3f, 0.5f}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bald: samples[1] has 3 classes but samples[0] has 2;"
                        + " every sample must cover the same classes in the same order");
    }

    @Test
    void nanEmptyAndNullAreRejectedNamingTheSample() {
        assertThatThrownBy(() -> PosteriorSamples.variationRatio(new float[][] {{0.5f, 0.5f}, {Float.NaN, 1f}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variationRatio: samples[1][0] is NaN");
        assertThatThrownBy(() -> PosteriorSamples.bald(new float[0][]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("samples is empty; pass T >= 1");
        assertThatThrownBy(() -> PosteriorSamples.mean(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mean: samples is null");
        assertThatThrownBy(() -> PosteriorSamples.bald(new float[][] {{}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("samples[0] is empty");
    }
}
