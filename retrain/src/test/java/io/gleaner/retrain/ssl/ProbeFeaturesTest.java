package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.BackboneSpec;
import org.junit.jupiter.api.Test;

class ProbeFeaturesTest {

    @Test
    void poolsOverlappingCellsLikeAdaptiveAveragePooling() {
        // One 3x3 map holding 1..9: a 2x2 grid takes rows/columns {0,1} and {1,2}.
        float[] map = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] out = new float[4];
        ProbeFeatures.pool(map, 1, 1, 3, 2, out, 0, 4);
        assertThat(out).containsExactly(3f, 4f, 6f, 7f);
    }

    @Test
    void poolsEachImageAndChannelIntoItsOwnRowAtTheOffset() {
        // Two images of two 2x2 channels; a 1x1 grid is the mean of each map, written after 1 slot.
        float[] maps = {1, 1, 1, 1, 2, 4, 6, 8, 10, 10, 10, 10, 0, 0, 0, 4};
        float[] out = new float[6];
        ProbeFeatures.pool(maps, 2, 2, 2, 1, out, 1, 3);
        assertThat(out).containsExactly(0f, 1f, 5f, 0f, 10f, 1f);
    }

    @Test
    void countsTheValuesOfTheLastStagesAndRefusesMoreStagesThanTheBackboneHas() {
        BackboneSpec spec = new BackboneSpec("b", 1, 28, 8, 4, 1, new float[] {0.3f}, new float[] {0.3f});
        assertThat(new ProbeFeatures(2, 2).dimensions(spec)).isEqualTo((32 + 64) * 4);
        assertThat(ProbeFeatures.embedding().dimensions(spec)).isEqualTo(spec.embeddingSize());
        assertThatThrownBy(() -> new ProbeFeatures(5, 1).dimensions(spec)).hasMessageContaining("has 4");
        assertThatThrownBy(() -> new ProbeFeatures(1, 5)).hasMessageContaining("grid of 1..4");
    }

    @Test
    void allStagesReadsEveryStageOfWhicheverBackboneIsProbed() {
        BackboneSpec four = new BackboneSpec("b", 1, 28, 8, 4, 1, new float[] {0.3f}, new float[] {0.3f});
        BackboneSpec three = new BackboneSpec("b", 1, 28, 8, 3, 1, new float[] {0.3f}, new float[] {0.3f});
        ProbeFeatures all = new ProbeFeatures(ProbeFeatures.ALL_STAGES, 4);
        assertThat(all.dimensions(four)).isEqualTo((8 + 16 + 32 + 64) * 16);
        assertThat(all.dimensions(three)).isEqualTo((8 + 16 + 32) * 16);
        assertThat(all.describe(four)).isEqualTo("all 4 stages, each averaged to 4x4 cells");
        assertThat(new ProbeFeatures(2, 4).describe(four)).isEqualTo("last 2 stages, each averaged to 4x4 cells");
        assertThatThrownBy(() -> new ProbeFeatures(-1, 4)).hasMessageContaining("0 = all");
    }

    @Test
    void oneStageOnOneCellIsTheBackbonesEmbeddingAndAGridKeepsWhereThingsAre() {
        ImageSet images = FashionMnistFiles.images(FashionMnistFiles.DEFAULT_DIR, "t10k").first(600);
        BackboneSpec spec = new BackboneSpec("b", 1, 28, 8, 3, 2, images.channelMean(), images.channelStd());
        try (Backbone backbone = Backbone.create(spec, 3)) {
            float[] input = new float[images.count() * images.imageLength()];
            for (int i = 0; i < images.count(); i++) {
                images.normalised(i, spec.mean(), spec.std(), input, i * images.imageLength());
            }
            float[] embedding = backbone.embed(input, images.count());
            float[] features = ProbeFeatures.embedding().extract(backbone, images);
            assertThat(features).containsExactly(embedding, within(1e-5f));

            // Stage 2 (16 channels, 14x14) then stage 3 (32 channels, 7x7), each as 2x2 cells: the
            // cells of one channel differ, which is the position the embedding averages away.
            ProbeFeatures grid = new ProbeFeatures(2, 2);
            float[] cells = grid.extract(backbone, images);
            int d = grid.dimensions(spec);
            assertThat(cells).hasSize(images.count() * d);
            int differing = 0;
            for (int i = 0; i < images.count(); i++) {
                int lastStage = i * d + 16 * 4;
                if (cells[lastStage] != cells[lastStage + 3]) {
                    differing++;
                }
            }
            assertThat(differing).isGreaterThan(images.count() / 2);
        }
    }
}
