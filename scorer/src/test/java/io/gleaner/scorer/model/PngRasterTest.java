package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
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

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_BYTE_GRAY})
    void anImageOfTheTargetSizeGoesIntoItNormalisedAsImageIoReadsIt(int type) throws IOException {
        byte[] png = encode(image(type, 37, 23));
        BufferedImage reference = ImageIO.read(new java.io.ByteArrayInputStream(png));
        float[] scale = {0.5f, 0.25f, 2f};
        float[] shift = {-1f, 3f, 0.5f};
        int plane = 37 * 23;
        FloatBuffer out = FloatBuffer.allocate(5 + 3 * plane);

        try (PngRaster raster = new PngRaster()) {
            PngRaster.Decoded decoded = raster.decode(ByteBuffer.wrap(png), 1 << 20,
                    new PngRaster.Normalised(37, 23, scale, shift, out, 5));
            assertThat(decoded).isSameAs(PngRaster.Decoded.INTO_TARGET);
        }
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                int[] pixel = reference.getRaster().getPixel(x, y, (int[]) null);
                for (int c = 0; c < 3; c++) {
                    int sample = type == BufferedImage.TYPE_BYTE_GRAY ? pixel[0] : pixel[c];
                    assertThat(out.get(5 + c * plane + y * 37 + x)).as("pixel %d,%d channel %d", x, y, c)
                            .isEqualTo(sample * scale[c] + shift[c]);
                }
            }
        }
    }

    @Test
    void anImageOfAnotherSizeThanTheTargetComesBackAsPixels() throws IOException {
        byte[] png = encode(image(BufferedImage.TYPE_3BYTE_BGR, 8, 8));
        FloatBuffer out = FloatBuffer.allocate(3 * 16 * 16);
        try (PngRaster raster = new PngRaster()) {
            PngRaster.Decoded decoded = raster.decode(ByteBuffer.wrap(png), 1 << 20,
                    new PngRaster.Normalised(16, 16, new float[] {1, 1, 1}, new float[3], out, 0));
            assertThat(decoded.width()).isEqualTo(8);
            assertThat(out.array()).containsOnly(0f);
        }
    }

    @Test
    void everyRowFilterIsUndoneOnTheWayIntoTheTarget() {
        // The rows of everyRowFilterIsUndone: None, Sub, Up (reading the Sub row), Average, Paeth.
        byte[] filtered = {0, 10, 20, 30, 1, 5, 5, 5, 2, 1, 1, 1, 3, 4, 4, 4, 4, 1, 1, 1};
        FloatBuffer out = FloatBuffer.allocate(3 * 15);
        PngRaster.unfilterNormalised(filtered, 5, 3, 1,
                new PngRaster.Normalised(3, 5, new float[] {1, 2, 1}, new float[] {0, 0, 0.5f}, out, 0));
        float[] gray = {10, 20, 30, 5, 10, 15, 6, 11, 16, 7, 13, 18, 8, 14, 19};
        for (int i = 0; i < 15; i++) {
            assertThat(out.get(i)).as("red %d", i).isEqualTo(gray[i]);
            assertThat(out.get(15 + i)).as("green %d", i).isEqualTo(2 * gray[i]);
            assertThat(out.get(30 + i)).as("blue %d", i).isEqualTo(gray[i] + 0.5f);
        }
    }

    @Test
    void anUnknownRowFilterIsRefusedOnTheWayIntoTheTarget() {
        byte[] filtered = {1, 10, 20, 30, 7, 5, 5, 5};
        assertThatThrownBy(() -> PngRaster.unfilterNormalised(filtered, 2, 3, 1, new PngRaster.Normalised(3, 2,
                new float[] {1, 1, 1}, new float[3], FloatBuffer.allocate(18), 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 1 has unknown filter type 7");
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

    @Test
    void imageDataSplitOverChunksEvenInsideItsZlibHeaderDecodesAsInOneChunk() throws IOException {
        byte[] png = encode(image(BufferedImage.TYPE_3BYTE_BGR, 37, 23));
        byte[] idat = chunkData(png, "IDAT");
        byte[] split = withImageData(png, Arrays.copyOfRange(idat, 0, 1), Arrays.copyOfRange(idat, 1, 100),
                Arrays.copyOfRange(idat, 100, idat.length));

        try (PngRaster raster = new PngRaster()) {
            byte[] whole = raster.decode(ByteBuffer.wrap(png), 1 << 20).data().clone();
            PngRaster.Decoded fromSplit = raster.decode(ByteBuffer.wrap(split), 1 << 20);
            assertThat(Arrays.copyOf(fromSplit.data(), 37 * 23 * 3)).isEqualTo(Arrays.copyOf(whole, 37 * 23 * 3));
        }
    }

    @Test
    void imageDataWhoseZlibHeaderIsNotDeflateIsRefusedThoughItsChecksumHolds() throws IOException {
        // The inflater skips the zlib header, so the decoder checks it itself.
        byte[] png = encode(image(BufferedImage.TYPE_3BYTE_BGR, 8, 8));
        byte[] idat = chunkData(png, "IDAT");
        byte[] dictionary = idat.clone();
        // FDICT set, and FCHECK made right again, so only the preset dictionary is wrong.
        int flags = (dictionary[1] & 0xe0) | 0x20;
        dictionary[1] = (byte) (flags + (31 - (((dictionary[0] & 0xff) << 8) | flags) % 31) % 31);
        byte[] notDeflate = idat.clone();
        notDeflate[0] = 0x77;

        try (PngRaster raster = new PngRaster()) {
            for (byte[] data : new byte[][] {dictionary, notDeflate}) {
                assertThatThrownBy(() -> raster.decode(ByteBuffer.wrap(withImageData(png, data)), 1 << 20))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zlib header");
            }
        }
    }

    /** The data of the first chunk of {@code type}. */
    private static byte[] chunkData(byte[] png, String type) {
        ByteBuffer in = ByteBuffer.wrap(png, 8, png.length - 8);
        while (in.remaining() >= 12) {
            byte[] data = new byte[in.getInt()];
            byte[] name = new byte[4];
            in.get(name).get(data).getInt();
            if (new String(name, StandardCharsets.ISO_8859_1).equals(type)) {
                return data;
            }
        }
        throw new IllegalArgumentException("no " + type + " chunk");
    }

    /** {@code png} with its IDAT chunks replaced by one chunk per part, each with its CRC-32. */
    private static byte[] withImageData(byte[] png, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 8);
        ByteBuffer in = ByteBuffer.wrap(png, 8, png.length - 8);
        boolean written = false;
        while (in.remaining() >= 12) {
            int start = in.position();
            int length = in.getInt();
            byte[] name = new byte[4];
            in.get(name);
            in.position(in.position() + length + 4);
            if (!new String(name, StandardCharsets.ISO_8859_1).equals("IDAT")) {
                out.write(png, start, in.position() - start);
            } else if (!written) {
                written = true;
                for (byte[] part : parts) {
                    ByteBuffer chunk = ByteBuffer.allocate(12 + part.length).putInt(part.length).put(name).put(part);
                    CRC32 crc = new CRC32();
                    crc.update(chunk.array(), 4, 4 + part.length);
                    chunk.putInt((int) crc.getValue());
                    out.writeBytes(chunk.array());
                }
            }
        }
        return out.toByteArray();
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
