package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Regression: a top-rate trigger under-fired early in a stream. It stayed silent for its first 100
 * frames, then fired against a P² estimate still settling from its first five scores (for the top
 * 2%: no firing in frames 49–99, then 1.2–1.4× the rate up to frame 200; for the top 0.5%, about 2×
 * the rate over its first 500 frames). Now it fires at its rate from the first frame that can
 * resolve it.
 * Firing rates are measured over many seeded streams of i.i.d. scores, frame window by frame window.
 */
class TopRateFiringTest {
    private static final float[] SURE = {1f, 0f};

    @Test
    void aTopTwoPercentTriggerFiresAtItsRateFromItsFirstFramesOn() {
        TriggerRule.TopRate top = new TriggerRule.TopRate(0.02);
        assertThat(top.minObservations()).isEqualTo(49);
        assertThat(top.exactObservations()).isEqualTo(500);
        // steering uniform in [-1, 1]; and a skewed stream, steering u³, most scores near 0
        for (DoubleUnaryOperator steering : List.<DoubleUnaryOperator>of(u -> u, u -> u * u * u)) {
            long[] fired = firings(top, 400, 1_000, steering, new int[] {49, 100, 300, 500, 1_000});
            assertThat(fired[0]).as("frames 0–48 cannot resolve the top 2%").isZero();
            assertThat(rate(fired[1], 400, 100 - 49)).as("frames 49–99").isCloseTo(0.02, within(0.003));
            assertThat(rate(fired[2], 400, 200)).as("frames 100–299").isCloseTo(0.02, within(0.002));
            assertThat(rate(fired[3], 400, 200)).as("frames 300–499, the last exact ones").isCloseTo(0.02, within(0.002));
            assertThat(rate(fired[4], 400, 500)).as("frames 500–999, P² from 500").isCloseTo(0.02, within(0.002));
        }
    }

    @Test
    void aTopHalfPercentTriggerFiresAtItsRateOverItsFirstTwoThousandFrames() {
        TriggerRule.TopRate top = new TriggerRule.TopRate(0.005);
        assertThat(top.minObservations()).isEqualTo(199);
        long[] fired = firings(top, 200, 4_000, u -> u, new int[] {199, 500, 2_000, 4_000});
        assertThat(fired[0]).isZero();
        assertThat(rate(fired[1], 200, 500 - 199)).as("frames 199–499").isCloseTo(0.005, within(0.001));
        assertThat(rate(fired[2], 200, 1_500)).as("frames 500–1999").isCloseTo(0.005, within(0.0005));
        assertThat(rate(fired[3], 200, 2_000)).as("frames 2000–3999, P² from 2000").isCloseTo(0.005, within(0.0005));
    }

    /**
     * Firings of one {@code top} trigger on {@code disagreement} over {@code streams} seeded
     * streams of {@code frames} frames, summed per window: window {@code i} ends before frame
     * {@code ends[i]} and starts where the previous one ended.
     */
    private static long[] firings(TriggerRule.TopRate top, int streams, int frames, DoubleUnaryOperator steering,
                                  int[] ends) {
        long[] fired = new long[ends.length];
        for (int seed = 0; seed < streams; seed++) {
            Random random = new Random(seed);
            NamedTriggers triggers = new NamedTriggers(List.of(
                    new TriggerConfig("top", TriggerFunction.ACTION_DISAGREEMENT, top)), 0.05);
            int window = 0;
            for (int frame = 0; frame < frames; frame++) {
                while (frame >= ends[window]) {
                    window++;
                }
                float steer = (float) steering.applyAsDouble(random.nextDouble() * 2 - 1);
                if (triggers.evaluate(new FrameOutputs(SURE, 0f, 0f, steer, 0f, 0f, 0f, 0f, "m-1", new float[0]))
                        .anyFired()) {
                    fired[window]++;
                }
            }
        }
        return fired;
    }

    private static double rate(long fired, int streams, int framesInWindow) {
        return (double) fired / ((double) streams * framesInWindow);
    }
}
