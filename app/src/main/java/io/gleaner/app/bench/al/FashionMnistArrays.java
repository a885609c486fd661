package io.gleaner.app.bench.al;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * One Fashion-MNIST split held in memory as normalised pixels, read straight from the gzipped IDX
 * files (the format {@code FashionMnistSource} streams as PNG frames; the benchmark needs the
 * 70,000 images as floats, not as frames, and re-decoding PNGs would cost more than the training).
 *
 * @param pixels one row of {@value #PIXELS} floats per image, {@code byte / 255}
 * @param labels the class index of each image, 0..9
 */
record FashionMnistArrays(float[][] pixels, int[] labels) {
    /** Pixels per image, 28×28. */
    static final int PIXELS = 28 * 28;
    /** Fashion-MNIST's ten classes. */
    static final int CLASSES = 10;

    /** The training split (60,000 images) under {@code dir}. */
    static FashionMnistArrays train(Path dir) {
        return read(dir, "train");
    }

    /** The test split (10,000 images) under {@code dir}. */
    static FashionMnistArrays test(Path dir) {
        return read(dir, "t10k");
    }

    int size() {
        return labels.length;
    }

    private static FashionMnistArrays read(Path dir, String prefix) {
        Path imageFile = dir.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labelFile = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        if (!Files.isReadable(imageFile) || !Files.isReadable(labelFile)) {
            throw new IllegalArgumentException("Fashion-MNIST files " + imageFile + " and " + labelFile
                    + " are not readable; install them with `apt-get install dataset-fashion-mnist` or pass --data-dir");
        }
        try (DataInputStream images = open(imageFile, 0x803); DataInputStream labelIn = open(labelFile, 0x801)) {
            int count = images.readInt();
            int rows = images.readInt();
            int columns = images.readInt();
            int labelCount = labelIn.readInt();
            if (rows * columns != PIXELS || labelCount != count) {
                throw new IllegalArgumentException(imageFile + ": " + count + " images of " + rows + "x" + columns
                        + " with " + labelCount + " labels; expected 28x28 images, one label each");
            }
            float[][] pixels = new float[count][PIXELS];
            int[] labels = new int[count];
            byte[] item = new byte[PIXELS];
            for (int i = 0; i < count; i++) {
                images.readFully(item);
                for (int p = 0; p < PIXELS; p++) {
                    pixels[i][p] = (item[p] & 0xFF) / 255f;
                }
                labels[i] = labelIn.readUnsignedByte();
                if (labels[i] >= CLASSES) {
                    throw new IllegalArgumentException(labelFile + ": label " + i + " is " + labels[i] + "; expected 0..9");
                }
            }
            return new FashionMnistArrays(pixels, labels);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + imageFile + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        InputStream raw = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream in = new DataInputStream(raw);
        int found = in.readInt();
        if (found != magic) {
            in.close();
            throw new IllegalArgumentException(file + ": IDX magic 0x" + Integer.toHexString(found) + ", expected 0x"
                    + Integer.toHexString(magic));
        }
        return in;
    }
}
