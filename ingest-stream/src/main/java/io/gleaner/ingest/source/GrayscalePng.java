package io.gleaner.ingest.source;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes 8-bit grayscale pixels as a PNG (colour type 0). Hand-written rather than ImageIO so the
 * bytes depend only on the pixels and the JDK's zlib: the same IDX file gives the same frames.
 */
final class GrayscalePng {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private GrayscalePng() {}

    /** Encodes {@code gray} (row-major, one byte per pixel) of the given size. */
    static byte[] encode(byte[] gray, int width, int height) {
        if (gray.length != width * height) {
            throw new IllegalArgumentException(
                    "expected " + (width * height) + " gray bytes for " + width + "x" + height + ", got " + gray.length);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(gray.length + 128);
        png.writeBytes(SIGNATURE);
        byte[] header = new byte[13];
        writeInt(header, 0, width);
        writeInt(header, 4, height);
        header[8] = 8; // bit depth
        header[9] = 0; // colour type: grayscale
        writeChunk(png, "IHDR", header);
        writeChunk(png, "IDAT", deflateScanlines(gray, width, height));
        writeChunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static byte[] deflateScanlines(byte[] gray, int width, int height) {
        byte[] filtered = new byte[height * (width + 1)];
        for (int y = 0; y < height; y++) {
            // filter byte 0 ("None"): mostly-black images compress well as they are
            System.arraycopy(gray, y * width, filtered, y * (width + 1) + 1, width);
        }
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
        try {
            deflater.setInput(filtered);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(filtered.length / 2 + 64);
            byte[] buffer = new byte[4096];
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
