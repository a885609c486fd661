package io.gleaner.ingest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes 8-bit RGB or grayscale pixels as a PNG. Hand-written rather than ImageIO so the bytes
 * depend only on the pixels (and the JDK's zlib): the simulator's frames stay byte-identical for a
 * seed, and the same data set file gives the same frames.
 */
public final class PngWriter {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte COLOUR_TYPE_GRAY = 0;
    private static final byte COLOUR_TYPE_RGB = 2;

    private PngWriter() {}

    /** Encodes {@code rgb} (row-major, 3 bytes per pixel) of the given size. */
    public static byte[] encodeRgb(byte[] rgb, int width, int height) {
        return encode(rgb, width, height, 3, COLOUR_TYPE_RGB);
    }

    /** Encodes {@code gray} (row-major, 1 byte per pixel) of the given size. */
    public static byte[] encodeGray(byte[] gray, int width, int height) {
        return encode(gray, width, height, 1, COLOUR_TYPE_GRAY);
    }

    private static byte[] encode(byte[] pixels, int width, int height, int channels, byte colourType) {
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException("expected " + (width * height * channels) + " bytes for " + width + "x"
                    + height + " with " + channels + " channel(s), got " + pixels.length);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(pixels.length + 1024);
        png.writeBytes(SIGNATURE);
        byte[] header = new byte[13];
        writeInt(header, 0, width);
        writeInt(header, 4, height);
        header[8] = 8; // bit depth
        header[9] = colourType;
        writeChunk(png, "IHDR", header);
        writeChunk(png, "IDAT", deflateScanlines(pixels, width, height, channels));
        writeChunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflateScanlines(byte[] pixels, int width, int height, int channels) {
        int stride = width * channels;
        byte[] filtered = new byte[height * (stride + 1)];
        for (int y = 0; y < height; y++) {
            int out = y * (stride + 1);
            filtered[out] = 1; // "Sub" filter: neighbouring pixels are similar, so differences compress well
            for (int x = 0; x < stride; x++) {
                int left = x >= channels ? pixels[y * stride + x - channels] : 0;
                filtered[out + 1 + x] = (byte) (pixels[y * stride + x] - left);
            }
        }
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            deflater.setInput(filtered);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(filtered.length / 2 + 64);
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static void writeChunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] length = new byte[4];
        writeInt(length, 0, data.length);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        byte[] crcBytes = new byte[4];
        writeInt(crcBytes, 0, (int) crc.getValue());
        png.writeBytes(length);
        png.writeBytes(typeBytes);
        png.writeBytes(data);
        png.writeBytes(crcBytes);
    }

    private static void writeInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }
}
