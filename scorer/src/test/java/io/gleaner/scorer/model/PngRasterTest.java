package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PngRasterTest {
    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_BYTE_GRAY})
    void decodesEveryPixelAsImageIoDoes(int type) throws IOException {
        BufferedImage image = image(type, 37, 23);
        byte[] png = encode(image);
        BufferedImage reference = ImageIO.read(new java.io.ByteArrayInputStream(png));

        try (PngRaster raster = new PngRaster()) {
            PngRaster.Decoded decoded = raster.decode(ByteBuffer.wrap(png), 1 << 20);
            assertThat(decoded.width()).isEqualTo(37);
            assertThat(decoded.height()).isEqualTo(23);
            int c = decoded.channels();
            assertThat(c).isEqualTo(type == BufferedImage.TYPE_BYTE_GRAY ? 1 : type == BufferedImage.TYPE_4BYTE_ABGR ? 4 : 3);
            for (int y = 0; y < 23; y++) {
                for (int x = 0; x < 37; x++) {
                    int at = (y * 37 + x) * c;
                    int[] expected = reference.getRaster().getPixel(x, y, (int[]) null);
                    for (int band = 0; band < c; band++) {
                        assertThat(decoded.data()[at + band] & 0xff).as("pixel %d,%d band %d", x, y, band)
                                .isEqualTo(expected[band]);
                    }
                }
            }
        }
    }

    @Test
    void everyRowFilterIsUndone() {
        // Row 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth, 3 bytes a row, 1 byte a pixel.
        byte[] filtered = {0, 10, 20, 30, 1, 5, 5, 5, 2, 1, 1, 1, 3, 4, 4, 4, 4, 1, 1, 1};
        byte[] out = new byte[15];
        PngRaster.unfilter(filtered, out, 5, 3, 1);
        assertThat(out).containsExactly(
                10, 20, 30,
                5, 10, 15,
                6, 11, 16,
                7, 13, 18,
                8, 14, 19);
    }

    @Test
    void aCorruptedChunkFailsItsChecksum() throws IOException {
        byte[] png = encode(image(BufferedImage.TYPE_3BYTE_BGR, 8, 8));
        png[40] ^= 0x55;
        try (PngRaster raster = new PngRaster()) {
            assertThatThrownBy(() -> raster.decode(ByteBuffer.wrap(png), 1 << 20))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CRC-32");
        }
    }

    @Test
    void aPaletteImageIsLeftToImageIo() throws IOException {
        byte[] png = encode(image(BufferedImage.TYPE_BYTE_INDEXED, 8, 8));
        try (PngRaster raster = new PngRaster()) {
            assertThat(raster.decode(ByteBuffer.wrap(png), 1 << 20)).isNull();
        }
    }

    @Test
    void anImageOverThePixelLimitIsRefusedBeforeItIsInflated() throws IOException {
        byte[] png = encode(image(BufferedImage.TYPE_3BYTE_BGR, 40, 40));
        try (PngRaster raster = new PngRaster()) {
            assertThatThrownBy(() -> raster.decode(ByteBuffer.wrap(png), 1000))
                    .hasMessageContaining("40x40 px");
        }
    }

    private static BufferedImage image(int type, int w, int h) {
        Random random = new Random(w * 31L + h);
        BufferedImage image = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // Smooth rows, noisy rows and flat rows, so the writer picks different filters.
                int rgb = y % 3 == 0 ? (x * 7) << 16 | (y * 11) << 8 | (x + y) : y % 3 == 1 ? random.nextInt(1 << 24) : 0x406080;
                image.setRGB(x, y, 0x80000000 | rgb);
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
