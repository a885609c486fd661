package io.gleaner.ingest.sim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes 8-bit RGB pixels as a PNG. Hand-written rather than ImageIO so the bytes depend only on
 * the pixels (and the JDK's zlib), which keeps simulated frames byte-identical for a seed.
 */
final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngEncoder() {}

    /** Encodes {@code rgb} (row-major, 3 bytes per pixel) of the given size. */
    static byte[] encodeRgb(byte[] rgb, int width, int height) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + (width * height * 3) + " RGB bytes for " + width + "x" + height + ", got " + rgb.length);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(rgb.length + 1024);
        png.writeBytes(SIGNATURE);
        byte[] header = new byte[13];
        writeInt(header, 0, width);
        writeInt(header, 4, height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour RGB
        writeChunk(png, "IHDR", header);
        writeChunk(png, "IDAT", deflateScanlines(rgb, width, height));
        writeChunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflateScanlines(byte[] rgb, int width, int height) {
        int stride = width * 3;
        byte[] filtered = new byte[height * (stride + 1)];
        for (int y = 0; y < height; y++) {
            int out = y * (stride + 1);
            filtered[out] = 1; // "Sub" filter: neighbouring pixels are similar, so differences compress well
            for (int x = 0; x < stride; x++) {
                int left = x >= 3 ? rgb[y * stride + x - 3] : 0;
                filtered[out + 1 + x] = (byte) (rgb[y * stride + x] - left);
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
