package io.gleaner.ingest.source;

import com.google.protobuf.ByteString;
import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.ImageHeaders;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Streams a folder of PNG and JPEG files (recursively) as frames, for users with their own images.
 *
 * <p>Files whose name ends in {@code .png}, {@code .jpg} or {@code .jpeg} (any case) are taken in
 * the order of their path relative to the folder, so the same folder always gives the same frames
 * in the same order. Each file's size is read from its header ({@link ImageHeaders}), never by
 * decoding it; a file that cannot be read or has no PNG/JPEG header is skipped as
 * {@link SkippedFile.Reason#UNREADABLE}, one over the ingest limits (byte size, width, height of an
 * {@link IngestConfig}) as {@link SkippedFile.Reason#OVERSIZED}; both are reported to the skip
 * listener and counted, and the stream goes on.
 *
 * <p>Frames: frame id {@code <vehicle id>/<relative path>} with {@code /} separators (if that is
 * longer than {@value FrameValidator#MAX_ID_CHARS} chars or holds control characters, its tail plus
 * a SHA-256 of the whole id, so it stays stable and unique); vehicle id as given (default: the
 * folder's name); capture time the file's last-modified time; the encoding the bytes really have;
 * channels from the PNG header (0, unknown, for JPEG). A folder of photos has no driving action:
 * the human action is neutral (steering 0, acceleration 0).
 *
 * <p>Only the list of paths is held; each file is read when its frame is asked for. Not thread-safe.
 */
public final class ImageFolderSource implements Iterator<FrameEvent> {
    /** Camera name of every frame. */
    public static final String CAMERA = "image-folder";

    private static final int HASHED_ID_HEX_CHARS = 32;
    private static final DriverAction NEUTRAL_ACTION =
            DriverAction.newBuilder().setSteering(0f).setAcceleration(0f).build();

    private final Path root;
    private final String vehicleId;
    private final IngestConfig limits;
    private final Consumer<SkippedFile> onSkip;
    private final List<Path> files;
    private final Map<SkippedFile.Reason, Integer> skipped = new EnumMap<>(SkippedFile.Reason.class);
    private int position;
    private FrameEvent ahead;

    private ImageFolderSource(Path root, String vehicleId, IngestConfig limits, Consumer<SkippedFile> onSkip,
                              List<Path> files) {
        this.root = root;
        this.vehicleId = vehicleId;
        this.limits = limits;
        this.onSkip = onSkip;
        this.files = files;
    }

    /**
     * Lists the image files under {@code root}.
     *
     * @param vehicleId the vehicle id of every frame, or null for the folder's name
     * @param limits the byte and pixel limits a file must meet, the ones ingest enforces
     * @param onSkip told about every file that is skipped, when it is reached
     * @throws IllegalArgumentException when {@code root} is not a folder or the vehicle id is not a valid id
     * @throws UncheckedIOException when the folder cannot be walked
     */
    public static ImageFolderSource open(Path root, String vehicleId, IngestConfig limits, Consumer<SkippedFile> onSkip) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(onSkip, "onSkip");
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + " is not a folder; give the folder that holds the images");
        }
        String vehicle = vehicleId != null ? vehicleId : defaultVehicleId(root);
        if (vehicle.isBlank() || vehicle.length() > FrameValidator.MAX_ID_CHARS || hasControlCharacter(vehicle)) {
            throw new IllegalArgumentException("vehicle id '" + vehicle + "' is not a valid id: it must be 1.."
                    + FrameValidator.MAX_ID_CHARS + " chars with no control characters; pass another one");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(ImageFolderSource::hasImageExtension)
                    .map(root::relativize)
                    .sorted((a, b) -> slashed(a).compareTo(slashed(b)))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new UncheckedIOException("cannot list the files under " + root + ": " + e.getMessage(),
                    e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
        }
        return new ImageFolderSource(root, vehicle, limits, onSkip, files);
    }

    /** The folder's name, or {@value #CAMERA} for a root with no name. */
    static String defaultVehicleId(Path root) {
        Path name = root.toAbsolutePath().normalize().getFileName();
        return name == null ? CAMERA : name.toString();
    }

    public String vehicleId() {
        return vehicleId;
    }

    /** How many files have an image extension, skipped ones included. */
    public int fileCount() {
        return files.size();
    }

    /** How many files were skipped for {@code reason} so far. */
    public int skipped(SkippedFile.Reason reason) {
        return skipped.getOrDefault(reason, 0);
    }

    /** How many files were skipped so far, for any reason. */
    public int skipped() {
        return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public boolean hasNext() {
        while (ahead == null && position < files.size()) {
            ahead = read(files.get(position++));
        }
        return ahead != null;
    }

    @Override
    public FrameEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + files.size() + " files under " + root + " were read");
        }
        FrameEvent frame = ahead;
        ahead = null;
        return frame;
    }

    /** The frame id of the file at {@code relative} under the folder, for {@code vehicleId}. */
    public static String frameId(String vehicleId, Path relative) {
        String id = vehicleId + "/" + slashed(relative);
        if (id.length() <= FrameValidator.MAX_ID_CHARS && !hasControlCharacter(id)) {
            return id;
        }
        String hash = sha256Hex(id).substring(0, HASHED_ID_HEX_CHARS);
        int keep = FrameValidator.MAX_ID_CHARS - HASHED_ID_HEX_CHARS - 1;
        String tail = id.length() > keep ? id.substring(id.length() - keep) : id;
        StringBuilder printable = new StringBuilder(tail.length());
        tail.chars().forEach(c -> printable.append(Character.isISOControl(c) ? '_' : (char) c));
        return printable + "~" + hash;
    }

    private FrameEvent read(Path relative) {
        Path file = root.resolve(relative);
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > limits.maxImageBytes()) {
                return skip(file, SkippedFile.Reason.OVERSIZED, "file is " + size + " bytes, limit is "
                        + limits.maxImageBytes() + " (ingest.max-image-bytes)");
            }
            bytes = readAtMost(file, limits.maxImageBytes());
            if (bytes == null) {
                return skip(file, SkippedFile.Reason.OVERSIZED, "file grew past " + limits.maxImageBytes()
                        + " bytes (ingest.max-image-bytes) while it was read");
            }
        } catch (IOException e) {
            return skip(file, SkippedFile.Reason.UNREADABLE, "cannot read it: " + e);
        }
        ImageHeaders.Dimensions header;
        try {
            header = ImageHeaders.read(bytes);
        } catch (IllegalArgumentException e) {
            return skip(file, SkippedFile.Reason.UNREADABLE, e.getMessage());
        }
        if (header.width() > limits.maxWidth() || header.height() > limits.maxHeight()) {
            return skip(file, SkippedFile.Reason.OVERSIZED, "image is " + header.width() + "x" + header.height()
                    + " px, limit is " + limits.maxWidth() + "x" + limits.maxHeight() + " (ingest.max-width/max-height)");
        }
        long captureTimeMs;
        try {
            captureTimeMs = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return skip(file, SkippedFile.Reason.UNREADABLE, "cannot read its modification time: " + e);
        }
        boolean png = header.format() == ImageHeaders.Format.PNG;
        return FrameEvent.newBuilder()
                .setFrameId(frameId(vehicleId, relative))
                .setVehicleId(vehicleId)
                .setCamera(CAMERA)
                .setCaptureTimeMs(captureTimeMs)
                .setImage(Image.newBuilder()
                        .setEncoding(png ? ImageEncoding.IMAGE_ENCODING_PNG : ImageEncoding.IMAGE_ENCODING_JPEG)
                        .setWidth(header.width())
                        .setHeight(header.height())
                        .setChannels(png ? pngChannels(bytes) : 0)
                        .setData(ByteString.copyFrom(bytes)))
                .setHumanAction(NEUTRAL_ACTION)
                .build();
    }

    private FrameEvent skip(Path file, SkippedFile.Reason reason, String detail) {
        skipped.merge(reason, 1, Integer::sum);
        onSkip.accept(new SkippedFile(file, reason, detail));
        return null;
    }

    /** The file's bytes, or null when it holds more than {@code limit} (it may grow after its size was read). */
    private static byte[] readAtMost(Path file, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(limit);
            return in.read() < 0 ? bytes : null;
        }
    }

    /** Channels for the PNG colour type at byte 25 (inside the IHDR that {@link ImageHeaders} checked). */
    private static int pngChannels(byte[] png) {
        return switch (png.length > 25 ? png[25] : -1) {
            case 0 -> 1; // grayscale
            case 2, 3 -> 3; // truecolour, palette
            case 4 -> 2; // grayscale + alpha
            case 6 -> 4; // truecolour + alpha
            default -> 0;
        };
    }

    private static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
    }

    private static String slashed(Path relative) {
        List<String> parts = new ArrayList<>(relative.getNameCount());
        relative.forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }

    private static boolean hasControlCharacter(String id) {
        return id.chars().anyMatch(Character::isISOControl);
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256, which every Java platform must provide", e);
        }
    }
}
