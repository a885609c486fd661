package io.gleaner.ingest.source;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * One gzipped IDX file of unsigned bytes (the MNIST format): a big-endian magic {@code 0x08NN}
 * where {@code NN} is the number of dimensions, one big-endian int per dimension, then the items
 * back to back. Read item by item, so a 47 MB image file is never held in memory.
 */
final class IdxFile implements AutoCloseable {
    /** Magic of a file of 3-dimensional unsigned-byte items: count x rows x columns. */
    static final int IMAGES_MAGIC = 0x00000803;
    /** Magic of a file of 1-dimensional unsigned-byte items: count labels. */
    static final int LABELS_MAGIC = 0x00000801;

    private final Path file;
    private final DataInputStream in;
    private final int[] dimensions;
    private final int itemBytes;
    private int itemsRead;

    private IdxFile(Path file, DataInputStream in, int[] dimensions) {
        this.file = file;
        this.in = in;
        this.dimensions = dimensions;
        int bytes = 1;
        for (int i = 1; i < dimensions.length; i++) {
            bytes *= dimensions[i];
        }
        this.itemBytes = bytes;
    }

    /**
     * Opens {@code file} and reads its header.
     *
     * @throws IllegalArgumentException when the magic is not {@code expectedMagic} or a dimension is not positive
     * @throws UncheckedIOException when the file cannot be read, is not gzip, or ends inside the header
     */
    static IdxFile open(Path file, int expectedMagic) {
        DataInputStream in = null;
        try {
            in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file), 65536)));
            int magic = in.readInt();
            if (magic != expectedMagic) {
                throw new IllegalArgumentException(String.format(
                        "%s: IDX magic is 0x%08x, expected 0x%08x (%s); is this the right file of the data set?",
                        file, magic, expectedMagic, expectedMagic == IMAGES_MAGIC ? "images" : "labels"));
            }
            int[] dimensions = new int[expectedMagic & 0xFF];
            for (int i = 0; i < dimensions.length; i++) {
                dimensions[i] = in.readInt();
                if (dimensions[i] <= 0) {
                    throw new IllegalArgumentException(file + ": IDX dimension " + i + " is " + dimensions[i]
                            + "; every dimension must be positive");
                }
            }
            return new IdxFile(file, in, dimensions);
        } catch (EOFException e) {
            closeQuietly(in);
            throw new UncheckedIOException(file + ": truncated, it ends inside the IDX header", e);
        } catch (IOException e) {
            closeQuietly(in);
            throw new UncheckedIOException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    /** Size of each dimension, the first being the item count. */
    int dimension(int index) {
        return dimensions[index];
    }

    int count() {
        return dimensions[0];
    }

    Path file() {
        return file;
    }

    /**
     * Reads the next item into {@code target} (length {@link #itemBytes}).
     *
     * @throws UncheckedIOException naming the item when the file ends before it is complete
     */
    void readItem(byte[] target) {
        if (itemsRead >= count()) {
            throw new IllegalStateException(file + ": all " + count() + " items were already read");
        }
        try {
            in.readFully(target, 0, itemBytes);
            itemsRead++;
        } catch (EOFException e) {
            throw new UncheckedIOException(file + ": truncated, the header promises " + count()
                    + " items but the data ends inside item " + itemsRead + "; download the file again", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read item " + itemsRead + " of IDX file " + file
                    + ": " + e.getMessage(), e);
        }
    }

    int itemBytes() {
        return itemBytes;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close IDX file " + file, e);
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // the error being thrown already says what went wrong
        }
    }
}
