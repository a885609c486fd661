package io.gleaner.ingest.source;

import com.google.protobuf.ByteString;
import io.gleaner.ingest.PngWriter;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Streams the Fashion-MNIST data set (Debian package {@code dataset-fashion-mnist}) as frames: each
 * 28x28 grayscale image becomes one {@code FrameEvent} with a 1-channel PNG, and its class label a
 * {@link LabeledFrame#label()} for the caller to keep out of band (a {@link LabelLog}), as the
 * simulator keeps its truth.
 *
 * <p>Fashion-MNIST has no driving action: every frame carries the neutral human action (steering 0,
 * acceleration 0), so the data set exercises ingest, scoring and labeling, not the action heads.
 *
 * <p>Frames are deterministic: frame id {@code fmnist-<split>-<index, 5 digits>}, vehicle id
 * {@value #VEHICLE_ID}, camera {@value #CAMERA}, capture time {@link #EPOCH_MS} plus 100 ms per
 * index. The images and labels files are read in step, one item at a time; a wrong magic, a count
 * mismatch between the two files or a truncated file fails with the file named.
 *
 * <p>Not thread-safe; close it to release the files.
 */
public final class FashionMnistSource implements Iterator<LabeledFrame>, AutoCloseable {
    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Vehicle id (and so record key) of every frame. */
    public static final String VEHICLE_ID = "fashion-mnist";
    /** Camera name of every frame. */
    public static final String CAMERA = "fashion-mnist";
    /** Capture time of image 0: 2026-01-01T00:00:00Z. */
    public static final long EPOCH_MS = 1_767_225_600_000L;
    /** Class names by label value, as the data set defines them. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final long FRAME_INTERVAL_MS = 100;
    private static final DriverAction NEUTRAL_ACTION =
            DriverAction.newBuilder().setSteering(0f).setAcceleration(0f).build();

    /** The two parts the data set ships in. */
    public enum Split {
        TRAIN("train"),
        T10K("t10k");

        private final String fileName;

        Split(String fileName) {
            this.fileName = fileName;
        }

        /** The name as it appears in the file names and frame ids: {@code train} or {@code t10k}. */
        public String fileName() {
            return fileName;
        }

        /** Parses {@code train} or {@code t10k}, case-insensitively. */
        public static Split parse(String name) {
            for (Split split : values()) {
                if (split.fileName.equalsIgnoreCase(name)) {
                    return split;
                }
            }
            throw new IllegalArgumentException("split '" + name + "' is not one of train, t10k");
        }
    }

    private final Split split;
    private final IdxFile images;
    private final IdxFile labels;
    private final int width;
    private final int height;
    private final byte[] pixels;
    private final byte[] label = new byte[1];
    private int next;

    private FashionMnistSource(Split split, IdxFile images, IdxFile labels) {
        this.split = split;
        this.images = images;
        this.labels = labels;
        this.height = images.dimension(1);
        this.width = images.dimension(2);
        this.pixels = new byte[images.itemBytes()];
    }

    /**
     * Opens {@code <dir>/<split>-images-idx3-ubyte.gz} and {@code <dir>/<split>-labels-idx1-ubyte.gz}.
     *
     * @throws IllegalArgumentException when a magic is wrong or the two files hold different counts
     * @throws java.io.UncheckedIOException when a file is missing, unreadable or truncated in its header
     */
    public static FashionMnistSource open(Path dir, Split split) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        Path imagesFile = dir.resolve(split.fileName() + "-images-idx3-ubyte.gz");
        Path labelsFile = dir.resolve(split.fileName() + "-labels-idx1-ubyte.gz");
        IdxFile images = IdxFile.open(imagesFile, IdxFile.IMAGES_MAGIC);
        try {
            IdxFile labels = IdxFile.open(labelsFile, IdxFile.LABELS_MAGIC);
            if (labels.count() != images.count()) {
                labels.close();
                throw new IllegalArgumentException(imagesFile + " holds " + images.count() + " images but "
                        + labelsFile + " holds " + labels.count() + " labels; both files must come from the same split");
            }
            return new FashionMnistSource(split, images, labels);
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
    }

    /** The number of images in the split. */
    public int size() {
        return images.count();
    }

    public Split split() {
        return split;
    }

    /** The frame id of image {@code index} of {@code split}: {@code fmnist-train-00042}. */
    public static String frameId(Split split, int index) {
        return String.format(Locale.ROOT, "fmnist-%s-%05d", split.fileName(), index);
    }

    @Override
    public boolean hasNext() {
        return next < images.count();
    }

    /**
     * The next image as a frame with its label.
     *
     * @throws IllegalArgumentException when the label value is not a known class
     * @throws java.io.UncheckedIOException when a file ends early
     */
    @Override
    public LabeledFrame next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + images.count() + " images of " + split.fileName() + " were read");
        }
        int index = next;
        images.readItem(pixels);
        labels.readItem(label);
        next++;
        int classIndex = label[0] & 0xFF;
        if (classIndex >= CLASS_NAMES.size()) {
            throw new IllegalArgumentException(labels.file() + ": label " + index + " is " + classIndex
                    + "; Fashion-MNIST labels are 0.." + (CLASS_NAMES.size() - 1));
        }
        FrameEvent event = FrameEvent.newBuilder()
                .setFrameId(frameId(split, index))
                .setVehicleId(VEHICLE_ID)
                .setCamera(CAMERA)
                .setCaptureTimeMs(EPOCH_MS + index * FRAME_INTERVAL_MS)
                .setImage(Image.newBuilder()
                        .setEncoding(ImageEncoding.IMAGE_ENCODING_PNG)
                        .setWidth(width)
                        .setHeight(height)
                        .setChannels(1)
                        .setData(ByteString.copyFrom(PngWriter.encodeGray(pixels, width, height))))
                .setHumanAction(NEUTRAL_ACTION)
                .build();
        return new LabeledFrame(event, classIndex, CLASS_NAMES.get(classIndex));
    }

    @Override
    public void close() {
        try {
            images.close();
        } finally {
            labels.close();
        }
    }
}
