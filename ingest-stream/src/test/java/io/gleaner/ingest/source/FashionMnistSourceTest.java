package io.gleaner.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistSourceTest {
    @TempDir Path dir;

    /** Two 3-row x 2-column images: pixels 0..5 and 250..255; labels 9 (Ankle boot) and 1 (Trouser). */
    private void writeTinySplit(String split) throws IOException {
        writeIdx(dir.resolve(split + "-images-idx3-ubyte.gz"), 0x803, new int[] {2, 3, 2},
                new byte[] {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 251, (byte) 252, (byte) 253, (byte) 254, (byte) 255});
        writeIdx(dir.resolve(split + "-labels-idx1-ubyte.gz"), 0x801, new int[] {2}, new byte[] {9, 1});
    }

    private static void writeIdx(Path file, int magic, int[] dimensions, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int dimension : dimensions) {
                out.writeInt(dimension);
            }
            out.write(data);
        }
    }

    private static int[][] grayPixels(FrameEvent frame) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(frame.getImage().getData().toByteArray()));
        int[][] rows = new int[image.getHeight()][image.getWidth()];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                rows[y][x] = image.getRaster().getSample(x, y, 0);
            }
        }
        assertThat(image.getRaster().getNumBands()).isEqualTo(1);
        return rows;
    }

    @Test
    void readsEveryImageWithItsExactPixelsAndLabel() throws IOException {
        writeTinySplit("train");
        try (FashionMnistSource source = FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN)) {
            assertThat(source.size()).isEqualTo(2);

            LabeledFrame first = source.next();
            assertThat(first.event().getFrameId()).isEqualTo("fmnist-train-00000");
            assertThat(first.event().getVehicleId()).isEqualTo("fashion-mnist");
            assertThat(first.event().getCaptureTimeMs()).isEqualTo(FashionMnistSource.EPOCH_MS);
            assertThat(first.event().getImage().getEncoding()).isEqualTo(ImageEncoding.IMAGE_ENCODING_PNG);
            assertThat(first.event().getImage().getWidth()).isEqualTo(2);
            assertThat(first.event().getImage().getHeight()).isEqualTo(3);
            assertThat(first.event().getImage().getChannels()).isEqualTo(1);
            assertThat(first.event().getHumanAction().getSteering()).isZero();
            assertThat(first.event().getHumanAction().getAcceleration()).isZero();
            assertThat(first.classIndex()).isEqualTo(9);
            assertThat(first.label()).isEqualTo("Ankle boot");
            assertThat(grayPixels(first.event())).isDeepEqualTo(new int[][] {{0, 1}, {2, 3}, {4, 5}});

            LabeledFrame second = source.next();
            assertThat(second.event().getFrameId()).isEqualTo("fmnist-train-00001");
            assertThat(second.event().getCaptureTimeMs()).isEqualTo(FashionMnistSource.EPOCH_MS + 100);
            assertThat(second.label()).isEqualTo("Trouser");
            assertThat(grayPixels(second.event())).isDeepEqualTo(new int[][] {{250, 251}, {252, 253}, {254, 255}});
            assertThat(source.hasNext()).isFalse();
        }
    }

    @Test
    void theSameFilesGiveByteIdenticalFrames() throws IOException {
        writeTinySplit("t10k");
        try (FashionMnistSource a = FashionMnistSource.open(dir, FashionMnistSource.Split.T10K);
             FashionMnistSource b = FashionMnistSource.open(dir, FashionMnistSource.Split.T10K)) {
            assertThat(a.next().event().toByteArray()).isEqualTo(b.next().event().toByteArray());
        }
    }

    @Test
    void aWrongMagicNamesTheFileAndBothMagics() throws IOException {
        writeTinySplit("train");
        // a labels file where the images file should be
        Files.copy(dir.resolve("train-labels-idx1-ubyte.gz"), dir.resolve("train-images-idx3-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz")
                .hasMessageContaining("0x00000801")
                .hasMessageContaining("expected 0x00000803");
    }

    @Test
    void imagesAndLabelsOfDifferentCountsAreRefused() throws IOException {
        writeTinySplit("train");
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {3}, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 2 images")
                .hasMessageContaining("holds 3 labels");
    }

    @Test
    void aTruncatedImagesFileFailsAtTheFirstIncompleteImage() throws IOException {
        writeTinySplit("train");
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {2, 3, 2}, new byte[] {0, 1, 2, 3, 4, 5, 6});
        try (FashionMnistSource source = FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN)) {
            source.next();
            assertThatThrownBy(source::next)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("truncated")
                    .hasMessageContaining("promises 2 items")
                    .hasMessageContaining("inside item 1");
        }
    }

    @Test
    void aFileThatEndsInsideItsHeaderIsTruncated() throws IOException {
        writeTinySplit("train");
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(header))) {
            out.writeInt(0x803);
            out.writeInt(2);
        }
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), header.toByteArray());
        assertThatThrownBy(() -> FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("ends inside the IDX header");
    }

    @Test
    void aLabelOutsideTheTenClassesIsRefused() throws IOException {
        writeTinySplit("train");
        writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {2}, new byte[] {10, 1});
        try (FashionMnistSource source = FashionMnistSource.open(dir, FashionMnistSource.Split.TRAIN)) {
            assertThatThrownBy(source::next).hasMessageContaining("label 0 is 10");
        }
    }

    @Test
    void readsTheFirstRealImageAndLabelWhenTheDataSetIsInstalled() throws IOException {
        assumeTrue(Files.isReadable(FashionMnistSource.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed at " + FashionMnistSource.DEFAULT_DIR
                        + " (apt-get install dataset-fashion-mnist); skipping the real-data check");
        try (FashionMnistSource source = FashionMnistSource.open(FashionMnistSource.DEFAULT_DIR, FashionMnistSource.Split.T10K)) {
            assertThat(source.size()).isEqualTo(10_000);
            LabeledFrame first = source.next();
            // The first test image of Fashion-MNIST is an ankle boot (label 9).
            assertThat(first.label()).isEqualTo("Ankle boot");
            int[][] pixels = grayPixels(first.event());
            assertThat(pixels.length).isEqualTo(28);
            assertThat(pixels[0].length).isEqualTo(28);
            assertThat(Arrays.stream(pixels).flatMapToInt(Arrays::stream).max().orElseThrow()).isGreaterThan(200);
            assertThat(pixels[0][0]).isZero();
        }
    }
}
