package io.gleaner.scorer.model;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes the PNGs fleets send most, 8-bit non-interlaced gray, gray+alpha, RGB or RGBA, straight
 * to interleaved bytes: chunks are checked (CRC-32), the IDAT stream inflated with the JDK's zlib and
 * the row filters undone, with no {@code BufferedImage}, colour model or temporary file in between.
 * The zlib stream is inflated raw, past its 2-byte header: its Adler-32 trailer would check again,
 * at a cost of about 5% of the inflation, bytes the chunks' CRC-32 already checked.
 * Anything else (palette, 16-bit, interlaced) returns null, and the caller falls back to ImageIO.
 *
 * <p>An instance keeps its {@link Inflater} and buffers between images: one per thread, closed
 * when done.
 */
final class PngRaster implements AutoCloseable {
    private static final long SIGNATURE = 0x89504E470D0A1A0AL;
    private static final int IHDR = 0x49484452;
    private static final int IDAT = 0x49444154;
    private static final int IEND = 0x49454E44;

    private static final int ZLIB_HEADER = 2;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private byte[] filtered = new byte[0];
    private byte[] idat = new byte[0];
    private byte[] pixels = new byte[0];

    /**
     * One decoded image: {@code width × height} pixels of {@code channels} interleaved bytes, rows
     * back to back. {@code data} may be longer than the image and is reused by the next decode.
     */
    record Decoded(byte[] data, int width, int height, int channels) {
        /** What {@link #decode(ByteBuffer, int, Normalised)} returns when it wrote the image into its target. */
        static final Decoded INTO_TARGET = new Decoded(new byte[0], 0, 0, 0);
    }

    /**
     * Where an image of exactly {@code width × height} pixels goes instead of into a pixel array:
     * CHW floats into {@code out} from {@code offset}, band {@code c} (R, G, B; gray repeated in all
     * three, alpha dropped) as {@code sample × scale[c] + shift[c]}.
     */
    record Normalised(int width, int height, float[] scale, float[] shift, FloatBuffer out, int offset) {}

    /**
     * The image's pixels, or null when it is a PNG this decoder does not handle (the caller then
     * uses ImageIO). Reads {@code png} from its position to its limit and leaves it unchanged.
     *
     * @throws IllegalArgumentException when the bytes are not a valid PNG of a kind it handles
     *     (bad signature, CRC, truncated or corrupt data)
     */
    Decoded decode(ByteBuffer png, int maxPixels) {
        return decode(png, maxPixels, null);
    }

    /**
     * {@link #decode(ByteBuffer, int)}, except that an image of the target's size is written into the
     * target as each row's filter is undone, with no pixel array in between, and
     * {@link Decoded#INTO_TARGET} returned. The caller resizes an image of another size from the
     * pixels returned.
     */
    Decoded decode(ByteBuffer png, int maxPixels, Normalised target) {
        ByteBuffer in = png.slice();
        if (in.remaining() < 8 + 25 || in.getLong() != SIGNATURE) {
            throw new IllegalArgumentException("not a PNG (no PNG signature)");
        }
        int width = 0;
        int height = 0;
        int channels = 0;
        boolean header = false;
        int idatLength = 0;
        ByteBuffer singleIdat = null;
        int idatChunks = 0;
        while (true) {
            if (in.remaining() < 12) {
                throw new IllegalArgumentException("PNG is truncated (no IEND chunk)");
            }
            int length = in.getInt();
            int type = in.getInt();
            if (length < 0 || length > in.remaining() - 4) {
                throw new IllegalArgumentException("PNG chunk of " + length + " bytes runs past the end of the data");
            }
            ByteBuffer chunk = in.slice(in.position() - 4, length + 4);
            crc.reset();
            crc.update(chunk);
            ByteBuffer data = in.slice(in.position(), length);
            in.position(in.position() + length);
            if ((int) crc.getValue() != in.getInt()) {
                throw new IllegalArgumentException("PNG chunk " + chunkName(type) + " fails its CRC-32 check");
            }
            if (type == IHDR) {
                width = data.getInt();
                height = data.getInt();
                int bitDepth = data.get() & 0xff;
                int colorType = data.get() & 0xff;
                int compression = data.get();
                int filter = data.get();
                int interlace = data.get();
                channels = switch (colorType) {
                    case 0 -> 1;
                    case 2 -> 3;
                    case 4 -> 2;
                    case 6 -> 4;
                    default -> 0;
                };
                if (bitDepth != 8 || channels == 0 || compression != 0 || filter != 0 || interlace != 0) {
                    return null;
                }
                if (width <= 0 || height <= 0 || (long) width * height > maxPixels) {
                    throw new IllegalArgumentException("PNG is " + width + "x" + height + " px; the scorer takes up to "
                            + maxPixels + " pixels");
                }
                header = true;
            } else if (type == IDAT) {
                if (!header) {
                    throw new IllegalArgumentException("PNG has image data before its header");
                }
                idatChunks++;
                if (idatChunks == 1) {
                    singleIdat = data;
                } else {
                    if (idatChunks == 2) {
                        idatLength = append(0, singleIdat);
                    }
                    idatLength = append(idatLength, data);
                }
            } else if (type == IEND) {
                break;
            }
        }
        if (idatChunks == 0) {
            throw new IllegalArgumentException("PNG has no image data");
        }
        int stride = width * channels;
        int rows = height * (stride + 1);
        if (filtered.length < rows) {
            filtered = new byte[rows];
        }
        ByteBuffer zlib = idatChunks == 1 ? singleIdat : ByteBuffer.wrap(idat, 0, idatLength);
        checkZlibHeader(zlib);
        inflater.reset();
        inflater.setInput(zlib.slice(zlib.position() + ZLIB_HEADER, zlib.remaining() - ZLIB_HEADER));
        try {
            int done = 0;
            while (done < rows) {
                int n = inflater.inflate(filtered, done, rows - done);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("PNG image data ends after " + done + " of " + rows + " bytes");
                }
                done += n;
            }
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("PNG image data is corrupt: " + e.getMessage(), e);
        }
        if (target != null && target.width() == width && target.height() == height) {
            unfilterNormalised(filtered, height, stride, channels, target);
            return Decoded.INTO_TARGET;
        }
        if (pixels.length < height * stride) {
            pixels = new byte[height * stride];
        }
        unfilter(filtered, pixels, height, stride, channels);
        return new Decoded(pixels, width, height, channels);
    }

    /**
     * Undoes the row filters of {@code in} and writes the pixels normalised into {@code target}, a
     * row at a time. None and Sub rows (every row of the simulator's noisy frames) are undone with
     * the running sample in a register, converted as they are made; a row is kept as bytes only when
     * the next row's filter (Up, Average, Paeth) reads it. For a 64×64 RGB frame that took 15 µs of
     * CPU where undoing every row into a pixel array and converting that took 31 µs.
     */
    static void unfilterNormalised(byte[] in, int height, int stride, int channels, Normalised target) {
        int width = stride / channels;
        int plane = width * height;
        float[] red = new float[width];
        float[] green = new float[width];
        float[] blue = new float[width];
        byte[] above = new byte[stride];
        byte[] row = new byte[stride];
        // Bytes of R, G and B within a pixel; gray (and gray+alpha) repeat the one gray sample.
        int g = channels >= 3 ? 1 : 0;
        int b = channels >= 3 ? 2 : 0;
        float[] scale = target.scale();
        float[] shift = target.shift();
        for (int y = 0; y < height; y++) {
            int src = y * (stride + 1) + 1;
            int filter = in[src - 1];
            boolean nextReadsThisRow = y + 1 < height && in[src + stride] >= 2;
            if (filter == 0 || filter == 1) {
                // Sub adds the sample one pixel to the left; None adds nothing.
                int carry = filter;
                int r0 = 0;
                int g0 = 0;
                int b0 = 0;
                for (int x = 0, i = src; x < width; x++, i += channels) {
                    r0 = (r0 * carry + in[i]) & 0xff;
                    g0 = (g0 * carry + in[i + g]) & 0xff;
                    b0 = (b0 * carry + in[i + b]) & 0xff;
                    red[x] = r0 * scale[0] + shift[0];
                    green[x] = g0 * scale[1] + shift[1];
                    blue[x] = b0 * scale[2] + shift[2];
                }
                if (nextReadsThisRow) {
                    unfilterRow(in, src - 1, above, 0, row, 0, stride, channels, y);
                }
            } else {
                unfilterRow(in, src - 1, above, 0, row, 0, stride, channels, y);
                for (int x = 0, i = 0; x < width; x++, i += channels) {
                    red[x] = (row[i] & 0xff) * scale[0] + shift[0];
                    green[x] = (row[i + g] & 0xff) * scale[1] + shift[1];
                    blue[x] = (row[i + b] & 0xff) * scale[2] + shift[2];
                }
            }
            int at = target.offset() + y * width;
            target.out().put(at, red);
            target.out().put(plane + at, green);
            target.out().put(2 * plane + at, blue);
            byte[] swap = above;
            above = row;
            row = swap;
        }
    }

    /** Checks the zlib header the raw inflater skips: deflate, a window zlib can use, no preset dictionary. */
    private static void checkZlibHeader(ByteBuffer zlib) {
        if (zlib.remaining() < ZLIB_HEADER) {
            throw new IllegalArgumentException("PNG image data is corrupt: " + zlib.remaining()
                    + " bytes, shorter than a zlib header");
        }
        int cmf = zlib.get(zlib.position()) & 0xff;
        int flg = zlib.get(zlib.position() + 1) & 0xff;
        if ((cmf & 0x0f) != 8 || (cmf >>> 4) > 7 || ((cmf << 8) | flg) % 31 != 0 || (flg & 0x20) != 0) {
            throw new IllegalArgumentException(String.format("PNG image data is corrupt: zlib header %02x %02x is "
                    + "not deflate with a window of at most 32 KiB and no preset dictionary", cmf, flg));
        }
    }

    private int append(int at, ByteBuffer data) {
        int n = data.remaining();
        if (idat.length < at + n) {
            byte[] grown = new byte[Math.max(2 * idat.length, at + n)];
            System.arraycopy(idat, 0, grown, 0, at);
            idat = grown;
        }
        data.duplicate().get(idat, at, n);
        return at + n;
    }

    /**
     * Undoes the PNG row filters (None, Sub, Up, Average, Paeth) of {@code in} into {@code out}. The
     * first row reads a zero row above it; the first pixel of a row a zero pixel to its left. The
     * loops are split at the first pixel so the inner ones have no branches but Paeth's.
     */
    static void unfilter(byte[] in, byte[] out, int height, int stride, int bpp) {
        byte[] zeros = new byte[stride];
        for (int y = 0; y < height; y++) {
            unfilterRow(in, y * (stride + 1), y == 0 ? zeros : out, y == 0 ? 0 : (y - 1) * stride, out, y * stride,
                    stride, bpp, y);
        }
    }

    /**
     * Undoes the filter of row {@code y}, its filter byte at {@code in[src]} and its bytes after it,
     * into {@code out} from {@code dst}; the row above it is {@code above} from {@code up}.
     */
    private static void unfilterRow(byte[] in, int src, byte[] above, int up, byte[] out, int dst, int stride,
            int bpp, int y) {
        int filter = in[src++];
        switch (filter) {
            case 0 -> System.arraycopy(in, src, out, dst, stride);
            case 1 -> {
                System.arraycopy(in, src, out, dst, Math.min(bpp, stride));
                for (int x = bpp; x < stride; x++) {
                    out[dst + x] = (byte) (in[src + x] + out[dst + x - bpp]);
                }
            }
            case 2 -> {
                for (int x = 0; x < stride; x++) {
                    out[dst + x] = (byte) (in[src + x] + above[up + x]);
                }
            }
            case 3 -> {
                for (int x = 0; x < Math.min(bpp, stride); x++) {
                    out[dst + x] = (byte) (in[src + x] + ((above[up + x] & 0xff) >>> 1));
                }
                for (int x = bpp; x < stride; x++) {
                    out[dst + x] = (byte) (in[src + x]
                            + (((out[dst + x - bpp] & 0xff) + (above[up + x] & 0xff)) >>> 1));
                }
            }
            case 4 -> {
                for (int x = 0; x < Math.min(bpp, stride); x++) {
                    out[dst + x] = (byte) (in[src + x] + above[up + x]); // Paeth of (0, b, 0) is b
                }
                for (int x = bpp; x < stride; x++) {
                    int a = out[dst + x - bpp] & 0xff;
                    int b = above[up + x] & 0xff;
                    int c = above[up + x - bpp] & 0xff;
                    int pa = Math.abs(b - c);
                    int pb = Math.abs(a - c);
                    int pc = Math.abs(a + b - 2 * c);
                    int predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    out[dst + x] = (byte) (in[src + x] + predictor);
                }
            }
            default -> throw new IllegalArgumentException("PNG row " + y + " has unknown filter type " + filter);
        }
    }

    private static String chunkName(int type) {
        return new String(new byte[] {(byte) (type >>> 24), (byte) (type >>> 16), (byte) (type >>> 8), (byte) type},
                java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        inflater.end();
    }
}
