package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackboneTest {
    private static final BackboneSpec SPEC = new BackboneSpec("bb", 1, 28, 8, 3, 1, new float[] {0.3f},
            new float[] {0.35f});

    private static float[] images(int count, int channels, int size) {
        float[] x = new float[count * channels * size * size];
        Random random = new Random(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    @Test
    void embeddingHasTheSpecsWidthTimesTwoPerStageAfterTheFirst() {
        assertThat(SPEC.embeddingSize()).isEqualTo(32);
        try (Backbone backbone = Backbone.create(SPEC, 1)) {
            float[] e = backbone.embed(images(5, 1, 28), 5);
            assertThat(e).hasSize(5 * 32);
        }
        BackboneSpec rgb96 = new BackboneSpec("rgb", 3, 96, 8, 4, 2, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f});
        try (Backbone backbone = Backbone.create(rgb96, 1)) {
            assertThat(backbone.embed(images(2, 3, 96), 2)).hasSize(2 * 64);
        }
    }

    @Test
    void anEmbeddingDoesNotDependOnTheRestOfItsBatch() {
        try (Backbone backbone = Backbone.create(SPEC, 2)) {
            float[] batch = images(4, 1, 28);
            float[] all = backbone.embed(batch, 4);
            float[] first = new float[784];
            System.arraycopy(batch, 0, first, 0, 784);
            float[] alone = backbone.embed(first, 1);
            for (int j = 0; j < 32; j++) {
                assertThat(alone[j]).isCloseTo(all[j], org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }

    @Test
    void savedArtifactLoadsWithTheSameOutputsAndRecordsItsProvenance(@TempDir Path dir) {
        Path artifact = dir.resolve("v1");
        float[] input = images(3, 1, 28);
        float[] before;
        ModelArtifact saved;
        try (Backbone backbone = Backbone.create(SPEC, 3)) {
            before = backbone.embed(input, 3);
            saved = backbone.save(artifact, "ssl-1", "", "simclr", "fashion-mnist:train", 4,
                    Map.of("pretrain_seconds", 12.5));
        }
        try (Backbone loaded = Backbone.load(artifact, saved.sha256())) {
            assertThat(loaded.embed(input, 3)).containsExactly(before);
            ModelManifest m = loaded.manifest();
            assertThat(m.architecture()).isEqualTo(Backbone.ARCHITECTURE);
            assertThat(m.method()).isEqualTo("simclr");
            assertThat(m.data()).isEqualTo("fashion-mnist:train");
            assertThat(m.epochs()).isEqualTo(4);
            assertThat(m.seed()).isEqualTo(3);
            assertThat(m.inputWidth()).isEqualTo(28);
            assertThat(m.mean()).containsExactly(0.3f);
            assertThat(m.architectureOptions()).containsEntry("width", 8).containsEntry("stages", 3);
            assertThat(m.metrics()).containsEntry("pretrain_seconds", 12.5);
            assertThat(loaded.spec().embeddingSize()).isEqualTo(32);
        }
    }

    @Test
    void aChangedParameterFileIsRefused(@TempDir Path dir) throws IOException {
        Path artifact = dir.resolve("v1");
        try (Backbone backbone = Backbone.create(SPEC, 4)) {
            backbone.save(artifact, "ssl-1", "", "simclr", "x", 1, Map.of());
        }
        Path params = artifact.resolve(ModelManifest.read(artifact).paramsFile());
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 1] ^= 1;
        Files.write(params, bytes);
        assertThatThrownBy(() -> Backbone.load(artifact, null))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void aDrivingModelArtifactIsNotABackbone(@TempDir Path dir) {
        Path artifact = dir.resolve("driving");
        try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(java.util.List.of("a", "b")), 1)) {
            model.save(artifact, "1", "", "seed", Map.of());
        }
        assertThatThrownBy(() -> Backbone.load(artifact, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a backbone");
    }

    @Test
    void specRejectsFramesOutsideItsRange() {
        assertThatThrownBy(() -> new BackboneSpec("b", 1, 128, 8, 3, 1, new float[] {0}, new float[] {1}))
                .hasMessageContaining("input size 128 px is outside 28..96");
    }
}
