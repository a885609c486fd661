package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reads the Debian package's files ({@code .ci/run} installs dataset-fashion-mnist). */
class FashionMnistFilesTest {

    @Test
    void testSplitHasTenThousandImagesAndABalancedLabelSet() {
        ImageSet images = FashionMnistFiles.images(FashionMnistFiles.DEFAULT_DIR, "t10k");
        int[] labels = FashionMnistFiles.labels(FashionMnistFiles.DEFAULT_DIR, "t10k");
        assertThat(images.count()).isEqualTo(10_000);
        assertThat(images.size()).isEqualTo(28);
        assertThat(images.channels()).isEqualTo(1);
        assertThat(labels).hasSize(10_000);
        int[] perClass = new int[10];
        for (int label : labels) {
            perClass[label]++;
        }
        assertThat(perClass).containsOnly(1000);
        // Fashion-MNIST's pixel statistics: mean about 0.286, std about 0.353.
        assertThat(images.channelMean()[0]).isCloseTo(0.286f, within(0.005f));
        assertThat(images.channelStd()[0]).isCloseTo(0.353f, within(0.005f));
    }

    @Test
    void aMissingFolderSaysHowToGetTheData() {
        assertThatThrownBy(() -> FashionMnistFiles.images(Path.of("/nonexistent/fmnist"), "train"))
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void anUnknownSplitIsRefused() {
        assertThatThrownBy(() -> FashionMnistFiles.labels(FashionMnistFiles.DEFAULT_DIR, "validation"))
                .hasMessageContaining("split 'validation' is not one of train, t10k");
    }
}
