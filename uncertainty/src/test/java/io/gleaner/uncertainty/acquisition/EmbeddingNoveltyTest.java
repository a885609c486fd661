package io.gleaner.uncertainty.acquisition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EmbeddingNoveltyTest {
    private static final float[] EAST = {1f, 0f};
    private static final float[] NORTH = {0f, 1f};
    private static final float[] WEST = {-1f, 0f};
    /** (0.6, 0.8): 0.36 + 0.64 = 1, so already unit length. */
    private static final float[] NORTH_EAST = {0.6f, 0.8f};

    @Test
    void cosineDistanceIsOneMinusTheDotProduct() {
        // 1 − (1·0.6 + 0·0.8) = 0.4 (0.6f rounds to 0.6000000238)
        assertThat(EmbeddingNovelty.cosineDistance(EAST, NORTH_EAST)).isCloseTo(0.4, within(1e-7));
        assertThat(EmbeddingNovelty.cosineDistance(EAST, NORTH)).isEqualTo(1.0);
        assertThat(EmbeddingNovelty.cosineDistance(EAST, WEST)).isEqualTo(2.0);
        assertThat(EmbeddingNovelty.cosineDistance(EAST, EAST)).isEqualTo(0.0);
    }

    @Test
    void kNearestDistanceIsTheKthSmallestDistance() {
        float[][] reference = {EAST, NORTH, WEST};
        // distances from (0.6, 0.8): east 1 − 0.6 = 0.4, north 1 − 0.8 = 0.2, west 1 + 0.6 = 1.6
        assertThat(EmbeddingNovelty.kNearestDistance(NORTH_EAST, reference, 1)).isCloseTo(0.2, within(1e-7));
        assertThat(EmbeddingNovelty.kNearestDistance(NORTH_EAST, reference, 2)).isCloseTo(0.4, within(1e-7));
        assertThat(EmbeddingNovelty.kNearestDistance(NORTH_EAST, reference, 3)).isCloseTo(1.6, within(1e-7));
    }

    @Test
    void theReferenceSetIsBoundedAndForgetsTheOldest() {
        EmbeddingNovelty novelty = new EmbeddingNovelty(2, 1);
        novelty.add(EAST);
        novelty.add(NORTH);
        assertThat(novelty.novelty(EAST)).isEqualTo(0.0);
        novelty.add(WEST);
        // east was dropped; nearest of {north: 1 − 0 = 1, west: 1 + 1 = 2} is 1
        assertThat(novelty.size()).isEqualTo(2);
        assertThat(novelty.novelty(EAST)).isEqualTo(1.0);
    }

    @Test
    void withFewerThanKReferencesTheFarthestOneCounts() {
        EmbeddingNovelty novelty = new EmbeddingNovelty(3, 3);
        novelty.add(EAST);
        novelty.add(NORTH);
        // two references, k = 3: the 2nd nearest of {east 0.4, north 0.2} is 0.4
        assertThat(novelty.novelty(NORTH_EAST)).isCloseTo(0.4, within(1e-7));
    }

    @Test
    void aRestoredSetAnswersAndGoesOnLikeTheOriginal() {
        EmbeddingNovelty original = new EmbeddingNovelty(2, 1);
        assertThat(original.add(EAST)).isEqualTo(0);
        assertThat(original.add(NORTH)).isEqualTo(1);
        assertThat(original.add(WEST)).isEqualTo(0);
        EmbeddingNovelty restored = EmbeddingNovelty.restore(1, original.added(),
                new float[][] {original.embedding(0), original.embedding(1)});
        assertThat(restored.added()).isEqualTo(3);
        assertThat(restored.novelty(EAST)).isEqualTo(original.novelty(EAST)).isEqualTo(1.0);
        // the next add goes to slot 3 % 2 = 1 in both
        assertThat(restored.add(EAST)).isEqualTo(original.add(EAST)).isEqualTo(1);
        assertThat(restored.accepts(new float[] {1f, 1f})).isFalse();
        assertThat(restored.accepts(new float[] {1f, 0f, 0f})).isFalse();
        assertThat(restored.accepts(NORTH_EAST)).isTrue();
    }

    @Test
    void referencesAreCopiedSoTheCallerCannotChangeThem() {
        EmbeddingNovelty novelty = new EmbeddingNovelty(1, 1);
        float[] embedding = {1f, 0f};
        novelty.add(embedding);
        embedding[0] = -1f;
        assertThat(novelty.novelty(EAST)).isEqualTo(0.0);
    }

    @Test
    void badInputIsRejectedSayingWhatToDo() {
        assertThatThrownBy(() -> EmbeddingNovelty.cosineDistance(EAST, new float[] {1f, 1f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cosineDistance: b has L2 norm 1.414")
                .hasMessageContaining("divide by the norm first");
        assertThatThrownBy(() -> EmbeddingNovelty.cosineDistance(EAST, new float[] {1f, 0f, 0f}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b has 3 dimensions but the others have 2");
        assertThatThrownBy(() -> EmbeddingNovelty.cosineDistance(new float[] {Float.NaN, 1f}, EAST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a[0] is NaN");
        assertThatThrownBy(() -> new EmbeddingNovelty(4, 1).novelty(EAST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the reference set is empty");
        assertThatThrownBy(() -> EmbeddingNovelty.kNearestDistance(EAST, new float[][] {NORTH}, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference holds 1 vectors but k is 2");
        assertThatThrownBy(() -> new EmbeddingNovelty(2, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k is 3 but capacity is 2");
        assertThatThrownBy(() -> EmbeddingNovelty.cosineDistance(new float[0], EAST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a is empty");
    }
}
