package io.gleaner.ingest;

import java.util.Optional;

/**
 * Reads an image's format and pixel size from its first bytes, without decoding it: the PNG
 * {@code IHDR} chunk or the JPEG {@code SOFn} segment. This is how ingest bounds pixel counts
 * before any decoder allocates a buffer for them (a 30000x30000 PNG header costs 24 bytes here).
 */
public final class ImageHeaders {
    private ImageHeaders() {}

    /** Image formats whose headers this class reads. */
    public enum Format {
        PNG,
        JPEG
    }

    /** The size an image header declares. */
    public record Dimensions(Format format, int width, int height) {}

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int PNG_IHDR_END = 24;

    /** The format whose signature the bytes start with, or empty when they start with neither. */
    public static Optional<Format> sniff(byte[] bytes) {
        if (startsWith(bytes, PNG_SIGNATURE)) {
            return Optional.of(Format.PNG);
        }
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF) {
            return Optional.of(Format.JPEG);
        }
        return Optional.empty();
    }

    /**
     * Reads the format and size from the header.
     *
     * @throws IllegalArgumentException when the bytes start with no known signature, or the header
     *     is truncated or malformed; the message says which
     */
    public static Dimensions read(byte[] bytes) {
        Format format = sniff(bytes).orElseThrow(() -> new IllegalArgumentException(
                "bytes start with neither the PNG nor the JPEG signature (first bytes: " + hexPrefix(bytes) + ")"));
        return format == Format.PNG ? readPng(bytes) : readJpeg(bytes);
    }

    private static Dimensions readPng(byte[] bytes) {
        if (bytes.length < PNG_IHDR_END) {
            throw new IllegalArgumentException(
                    "PNG is " + bytes.length + " bytes, too short for the IHDR chunk (" + PNG_IHDR_END + " bytes)");
        }
        long chunkLength = readUnsigned32(bytes, 8);
        boolean isIhdr = bytes[12] == 'I' && bytes[13] == 'H' && bytes[14] == 'D' && bytes[15] == 'R';
        if (!isIhdr || chunkLength != 13) {
            throw new IllegalArgumentException("PNG does not start with a 13-byte IHDR chunk, as the PNG spec requires");
        }
        long width = readUnsigned32(bytes, 16);
        long height = readUnsigned32(bytes, 20);
        // The PNG spec caps both at 2^31-1; anything above is a corrupt or hostile header.
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "PNG IHDR declares " + width + "x" + height + " px; each side must be 1.." + Integer.MAX_VALUE);
        }
        return new Dimensions(Format.PNG, (int) width, (int) height);
    }

    private static Dimensions readJpeg(byte[] bytes) {
        int pos = 2;
        while (pos < bytes.length) {
            if ((bytes[pos] & 0xFF) != 0xFF) {
                throw new IllegalArgumentException("JPEG has no segment marker at byte " + pos + " before any SOF segment");
            }
            while (pos < bytes.length && (bytes[pos] & 0xFF) == 0xFF) {
                pos++; // a marker may be preceded by any number of 0xFF fill bytes
            }
            if (pos >= bytes.length) {
                break;
            }
            int marker = bytes[pos++] & 0xFF;
            if (isStandalone(marker)) {
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                throw new IllegalArgumentException("JPEG reaches " + (marker == 0xDA ? "its scan data" : "its end")
                        + " without a SOF segment, so its size is unknown");
            }
            if (pos + 2 > bytes.length) {
                break;
            }
            int segmentLength = ((bytes[pos] & 0xFF) << 8) | (bytes[pos + 1] & 0xFF);
            if (segmentLength < 2) {
                throw new IllegalArgumentException("JPEG segment 0x" + Integer.toHexString(marker)
                        + " at byte " + (pos - 2) + " has an impossible length " + segmentLength);
            }
            if (isStartOfFrame(marker)) {
                // SOFn payload: precision (1 byte), height (2), width (2), components (1).
                if (segmentLength < 8 || pos + 7 > bytes.length) {
                    break;
                }
                int height = ((bytes[pos + 3] & 0xFF) << 8) | (bytes[pos + 4] & 0xFF);
                int width = ((bytes[pos + 5] & 0xFF) << 8) | (bytes[pos + 6] & 0xFF);
                if (width == 0 || height == 0) {
                    throw new IllegalArgumentException("JPEG SOF declares " + width + "x" + height
                            + " px; a height of 0 (size set later by DNL) is not supported");
                }
                return new Dimensions(Format.JPEG, width, height);
            }
            pos += segmentLength;
        }
        throw new IllegalArgumentException("JPEG of " + bytes.length + " bytes ends before its SOF segment");
    }

    private static boolean isStandalone(int marker) {
        return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);
    }

    private static boolean isStartOfFrame(int marker) {
        // C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but are not frame headers.
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static long readUnsigned32(byte[] bytes, int offset) {
        return ((long) (bytes[offset] & 0xFF) << 24)
                | ((bytes[offset + 1] & 0xFF) << 16)
                | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }

    static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            if (i > 0) {
                hex.append(' ');
            }
            hex.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return bytes.length == 0 ? "none" : hex.toString();
    }
}
