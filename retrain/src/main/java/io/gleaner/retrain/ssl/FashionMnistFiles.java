package io.gleaner.retrain.ssl;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads a Fashion-MNIST split whole into memory: the gzipped big-endian IDX files of Debian's
 * {@code dataset-fashion-mnist} ({@code <split>-images-idx3-ubyte.gz}, magic 0x803, and
 * {@code <split>-labels-idx1-ubyte.gz}, magic 0x801). The ingest source streams the same files
 * frame by frame; pretraining and the probe need them as arrays.
 */
public final class FashionMnistFiles {
    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Number of classes. */
    public static final int CLASSES = 10;

    private static final int IMAGES_MAGIC = 0x803;
    private static final int LABELS_MAGIC = 0x801;

    private FashionMnistFiles() {}

    /**
     * The images of {@code split} ({@code train} or {@code t10k}) as a 1-channel set of 28×28.
     *
     * @throws UncheckedIOException when a file is missing or truncated; install {@code dataset-fashion-mnist}
     */
    public static ImageSet images(Path dir, String split) {
        Path file = dir.resolve(checked(split) + "-images-idx3-ubyte.gz");
        try (DataInputStream in = open(file, IMAGES_MAGIC)) {
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != cols || count <= 0) {
                throw new IllegalArgumentException(file + ": " + count + " images of " + rows + "x" + cols
                        + "; expected square images");
            }
            byte[] pixels = new byte[count * rows * cols];
            in.readFully(pixels);
            return new ImageSet("fashion-mnist:" + split, count, 1, rows, pixels);
        } catch (EOFException e) {
            throw new UncheckedIOException(file + " is truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage()
                    + " (apt-get install dataset-fashion-mnist, or pass the folder that holds the files)", e);
        }
    }

    /** The class labels (0..9) of {@code split}, in image order. */
    public static int[] labels(Path dir, String split) {
        Path file = dir.resolve(checked(split) + "-labels-idx1-ubyte.gz");
        try (DataInputStream in = open(file, LABELS_MAGIC)) {
            int count = in.readInt();
            byte[] raw = new byte[count];
            in.readFully(raw);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= CLASSES) {
                    throw new IllegalArgumentException(file + ": label " + i + " is " + labels[i] + ", not 0..9");
                }
            }
            return labels;
        } catch (EOFException e) {
            throw new UncheckedIOException(file + " is truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage()
                    + " (apt-get install dataset-fashion-mnist, or pass the folder that holds the files)", e);
        }
    }

    private static String checked(String split) {
        String s = split.toLowerCase(Locale.ROOT);
        if (!s.equals("train") && !s.equals("t10k")) {
            throw new IllegalArgumentException("Fashion-MNIST split '" + split + "' is not one of train, t10k");
        }
        return s;
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(
                new GZIPInputStream(Files.newInputStream(file), 1 << 16)));
        int actual = in.readInt();
        if (actual != magic) {
            in.close();
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: IDX magic is 0x%08x, expected 0x%08x; is this a Fashion-MNIST file?", file, actual, magic));
        }
        return in;
    }
}
