package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrameScoreTest {
    private static FrameScore score(float steering, float[] embedding, float[] sampleSteering, float novelty) {
        return new FrameScore(new float[] {0.25f, 0.75f}, steering, 0.1f, 0.01f, 0.02f,
                new float[][] {{0.5f, 0.5f}, {0.4f, 0.6f}}, sampleSteering, new float[] {0.1f, 0.1f}, embedding,
                novelty);
    }

    @Test
    void aFiniteScoreHasNoNonFiniteOutput() {
        assertThat(score(0.2f, new float[] {0.6f, 0.8f}, new float[] {0.2f, 0.3f}, 0.4f).nonFiniteOutput()).isEmpty();
    }

    @Test
    void theFirstNonFiniteOutputIsNamedWithItsValue() {
        assertThat(score(Float.NaN, new float[] {0.6f, 0.8f}, new float[] {0.2f, 0.3f}, 0.4f).nonFiniteOutput())
                .contains("steering = NaN");
        assertThat(score(0.2f, new float[] {0.6f, Float.POSITIVE_INFINITY}, new float[] {0.2f, 0.3f}, 0.4f)
                .nonFiniteOutput()).contains("embedding[1] = Infinity");
        assertThat(score(0.2f, new float[] {0.6f, 0.8f}, new float[] {0.2f, Float.NEGATIVE_INFINITY}, 0.4f)
                .nonFiniteOutput()).contains("sampleSteering[1] = -Infinity");
        assertThat(score(0.2f, new float[] {0.6f, 0.8f}, new float[] {0.2f, 0.3f}, Float.NaN).nonFiniteOutput())
                .contains("novelty = NaN");
    }
}
