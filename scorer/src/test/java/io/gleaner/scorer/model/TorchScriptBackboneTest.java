package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bring-your-own TorchScript backbone, with the files {@code src/test/resources/torchscript/make_tiny_backbones.py}
 * traced with Debian's python3-torch and the outputs Python computed for them.
 */
class TorchScriptBackboneTest {
    private static final float[] MEAN = {0.5f, 0.4f, 0.3f};
    private static final float[] STD = {0.2f, 0.25f, 0.3f};

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TorchScriptBackboneTest.class.getResource("/torchscript/" + name).toURI());
    }

    /** The frames the script embeds: x[b,c,h,w] = sin(0.01 * i + b), i the flat CHW index. */
    private static float[] frames() {
        int size = 3 * 24 * 32;
        float[] x = new float[2 * size];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < size; i++) {
                x[b * size + i] = (float) Math.sin(0.01 * i + b);
            }
        }
        return x;
    }

    @Test
    void importedBackboneGivesPythonsEmbeddingsAndItsManifestCarriesSizeAndNormalisation(@TempDir Path dir)
            throws Exception {
        Path artifact = dir.resolve("byo");
        ModelArtifact imported = TorchScriptBackbone.importFile(resource("tiny_backbone.pt"), artifact, "tiny", "byo-1",
                3, 32, 24, MEAN, STD);
        assertThat(imported.manifest().embeddingSize()).isEqualTo(6);
        assertThat(imported.manifest().architecture()).isEqualTo(TorchScriptBackbone.ARCHITECTURE);

        List<String> expected = Files.readAllLines(resource("tiny_backbone.expected"));
        try (EmbeddingBackbone backbone = TorchScriptBackbone.load(artifact, imported.sha256())) {
            ModelManifest m = backbone.manifest();
            assertThat(m.inputWidth()).isEqualTo(32);
            assertThat(m.inputHeight()).isEqualTo(24);
            assertThat(m.mean()).containsExactly(MEAN);
            assertThat(m.std()).containsExactly(STD);
            float[] embeddings = backbone.embed(frames(), 2);
            assertThat(embeddings).hasSize(12);
            for (int i = 0; i < 12; i++) {
                assertThat(embeddings[i]).isCloseTo(Float.parseFloat(expected.get(i)), within(1e-5f));
            }
        }
    }

    @Test
    void aChangedFileOrAnotherPublishedDigestIsRefused(@TempDir Path dir) throws Exception {
        Path artifact = dir.resolve("byo");
        ModelArtifact imported = TorchScriptBackbone.importFile(resource("tiny_backbone.pt"), artifact, "tiny", "1",
                3, 32, 24, MEAN, STD);
        assertThatThrownBy(() -> TorchScriptBackbone.load(artifact, "00" + imported.sha256().substring(2)))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining("the publisher expected");
        Path pt = artifact.resolve("tiny.pt");
        byte[] bytes = Files.readAllBytes(pt);
        bytes[bytes.length / 2] ^= 1;
        Files.write(pt, bytes);
        assertThatThrownBy(() -> TorchScriptBackbone.load(artifact, null))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining("changed after it was saved");
    }

    @Test
    void aModuleThatReturnsAFeatureMapIsNotABackbone(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> TorchScriptBackbone.importFile(resource("tiny_featuremap.pt"), dir.resolve("fm"),
                "fm", "1", 3, 32, 24, MEAN, STD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gives an output of shape [1, 8, 6, 8]")
                .hasMessageContaining("must return 1xE");
    }

    @Test
    void theWrongChannelCountInTheManifestIsRefusedAtImport(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> TorchScriptBackbone.importFile(resource("tiny_backbone.pt"), dir.resolve("gray"),
                "tiny", "1", 1, 32, 24, new float[] {0.5f}, new float[] {0.2f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fails on a 1x24x32 frame");
    }

    @Test
    void aGleanerBackboneArtifactIsNotTorchScript(@TempDir Path dir) throws IOException {
        Path artifact = dir.resolve("resnet");
        try (Backbone backbone = Backbone.create(new BackboneSpec("bb", 1, 28, 8, 1, 1, new float[] {0},
                new float[] {1}), 1)) {
            backbone.save(artifact, "1", "", "random-init", "", 0, java.util.Map.of());
        }
        assertThatThrownBy(() -> TorchScriptBackbone.load(artifact, null))
                .hasMessageContaining("has architecture 'gleaner-resnet-v1', not torchscript");
    }
}
