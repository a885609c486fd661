package io.gleaner.ingest.poison;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.gleaner.ingest.RejectReason;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * A generator of bad {@code frames.raw} records, one {@link Kind} per way a record can be wrong,
 * each with the {@link RejectReason} the ingest stage must give it. Every record is a well-formed
 * frame but for the one thing its kind breaks, so it tests that rule and no other: a truncated PNG
 * has valid ids, key, action, speed and capture time and a correct PNG header, and only its pixel
 * data is cut short.
 *
 * <p>Records are keyed by the zoo's vehicle id (the key-mismatch kind by that id plus a suffix), so
 * a test sharing a broker with others can find its own dead letters by key prefix; frame ids are
 * {@code <vehicleId>-poison-<kind>-<serial>}. The same seed, vehicle id and serial give
 * byte-identical records (the JDK's PNG and JPEG writers are deterministic).
 *
 * <p>The expected reasons assume the ingest limits are the defaults or anything between them and
 * these records: images of {@value #IMAGE_SIDE}x{@value #IMAGE_SIDE} px must fit, the oversized
 * value ({@link #oversizedBytes()}) must exceed {@code ingest.max-message-bytes}, and
 * {@code captureTimeMs} must lie within the stage's capture-time range.
 */
public final class PoisonZoo {
    /** Size of the oversized value by default: 20 MiB, ten times the default message limit. */
    public static final int DEFAULT_OVERSIZED_BYTES = 20 * 1024 * 1024;
    /** Width and height of the images in the zoo's frames. */
    public static final int IMAGE_SIDE = 32;
    /** How far ahead of {@code captureTimeMs} the far-future kind lies: about 50 years. */
    public static final Duration FAR_FUTURE = Duration.ofDays(50 * 365);

    /** The ways a record can be bad, each with the reason ingest must give it. */
    public enum Kind {
        EMPTY_VALUE(RejectReason.EMPTY_MESSAGE),
        RANDOM_BYTES(RejectReason.UNPARSEABLE_PROTOBUF),
        TRUNCATED_PROTOBUF(RejectReason.UNPARSEABLE_PROTOBUF),
        OVERSIZED_VALUE(RejectReason.MESSAGE_TOO_LARGE),
        MISSING_FRAME_ID(RejectReason.MISSING_FRAME_ID),
        MISSING_VEHICLE_ID(RejectReason.MISSING_VEHICLE_ID),
        KEY_MISMATCH(RejectReason.KEY_MISMATCH),
        /** A PNG whose header claims 30000x30000 px: refused from its 33-byte header, never allocated. */
        HEADER_BOMB(RejectReason.IMAGE_DIMENSIONS_TOO_LARGE),
        /** PNG bytes with the JPEG encoding flag. */
        WRONG_ENCODING_FLAG(RejectReason.ENCODING_MISMATCH),
        /** A whole PNG whose frame declares half its height; caught by the header before any decode. */
        DECLARED_SIZE_MISMATCH(RejectReason.IMAGE_HEADER_MISMATCH),
        /** A PNG with a correct header, cut in the middle of its pixel data. */
        TRUNCATED_PNG(RejectReason.UNDECODABLE_IMAGE),
        /** A JPEG with a correct header, cut in the middle of its scan data. */
        TRUNCATED_JPEG(RejectReason.UNDECODABLE_IMAGE),
        NAN_ACTION(RejectReason.INVALID_ACTION),
        INFINITE_ACTION(RejectReason.INVALID_ACTION),
        NEGATIVE_SPEED(RejectReason.INVALID_SPEED),
        CAPTURE_TIME_FAR_FUTURE(RejectReason.CAPTURE_TIME_IN_FUTURE),
        /** {@code capture_time_ms} left at 0 (1970), as a producer that forgot to set it sends. */
        CAPTURE_TIME_UNSET(RejectReason.CAPTURE_TIME_TOO_OLD);

        private final RejectReason expected;

        Kind(RejectReason expected) {
            this.expected = expected;
        }

        /** The reason ingest must dead-letter this kind for. */
        public RejectReason expected() {
            return expected;
        }

        /** The kind's name in records and frame ids, e.g. {@code truncated-png}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final long seed;
    private final String vehicleId;
    private final long captureTimeMs;
    private final int oversizedBytes;
    private final byte[] png;
    private final byte[] jpeg;

    /**
     * @param seed what every random byte and pixel derives from
     * @param vehicleId the vehicle id of the zoo's frames and the key of its records; make it unique
     *     per run when the records go to a shared broker
     * @param captureTimeMs the capture time of frames whose kind does not break it; must lie within
     *     the ingest stage's capture-time range
     * @param oversizedBytes the least size of the {@link Kind#OVERSIZED_VALUE} record; must exceed
     *     {@code ingest.max-message-bytes} (and fit the broker's limit when sent to one)
     */
    public PoisonZoo(long seed, String vehicleId, long captureTimeMs, int oversizedBytes) {
        this.seed = seed;
        this.vehicleId = Objects.requireNonNull(vehicleId, "vehicleId");
        if (vehicleId.isBlank()) {
            throw new IllegalArgumentException("vehicleId is blank; give the zoo's frames a vehicle id, e.g. 'poison-v'");
        }
        this.captureTimeMs = captureTimeMs;
        if (oversizedBytes <= 0) {
            throw new IllegalArgumentException("oversizedBytes is " + oversizedBytes
                    + "; it must be positive and above ingest.max-message-bytes, e.g. " + DEFAULT_OVERSIZED_BYTES);
        }
        this.oversizedBytes = oversizedBytes;
        BufferedImage image = noise(new Random(seed));
        this.png = encode(image, "png");
        this.jpeg = encode(image, "jpeg");
    }

    /** A zoo whose oversized value is {@link #DEFAULT_OVERSIZED_BYTES}. */
    public PoisonZoo(long seed, String vehicleId, long captureTimeMs) {
        this(seed, vehicleId, captureTimeMs, DEFAULT_OVERSIZED_BYTES);
    }

    /** The least size of the oversized record. */
    public int oversizedBytes() {
        return oversizedBytes;
    }

    /** The key of every record but the key-mismatch ones: the vehicle id as UTF-8 bytes. */
    public byte[] key() {
        return utf8(vehicleId);
    }

    /** One record of each kind, serial 0, in {@link Kind} order. */
    public List<PoisonRecord> all() {
        List<PoisonRecord> records = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            records.add(make(kind, 0));
        }
        return records;
    }

    /** The {@code serial}-th record of {@code kind}; the same arguments always give the same bytes. */
    public PoisonRecord make(Kind kind, int serial) {
        String name = kind.label() + "-" + serial;
        String frameId = vehicleId + "-poison-" + name;
        SplittableRandom random = new SplittableRandom(seed * 31 + kind.ordinal() * 1_000_003L + serial);
        byte[] key = key();
        byte[] value = switch (kind) {
            case EMPTY_VALUE -> new byte[0];
            case RANDOM_BYTES -> randomBytes(random);
            case TRUNCATED_PROTOBUF -> truncatedProtobuf(frame(frameId).build());
            case OVERSIZED_VALUE -> oversized(frame(frameId));
            case MISSING_FRAME_ID -> frame(frameId).setFrameId("").build().toByteArray();
            case MISSING_VEHICLE_ID -> frame(frameId).setVehicleId("").build().toByteArray();
            case KEY_MISMATCH -> {
                key = utf8(vehicleId + "-wrong-key");
                yield frame(frameId).build().toByteArray();
            }
            case HEADER_BOMB -> frame(frameId).setImage(image(ImageEncoding.IMAGE_ENCODING_PNG,
                    IMAGE_SIDE, IMAGE_SIDE, pngHeader(30_000, 30_000))).build().toByteArray();
            case WRONG_ENCODING_FLAG -> frame(frameId).setImage(image(ImageEncoding.IMAGE_ENCODING_JPEG,
                    IMAGE_SIDE, IMAGE_SIDE, png)).build().toByteArray();
            case DECLARED_SIZE_MISMATCH -> frame(frameId).setImage(image(ImageEncoding.IMAGE_ENCODING_PNG,
                    IMAGE_SIDE, IMAGE_SIDE / 2, png)).build().toByteArray();
            case TRUNCATED_PNG -> frame(frameId).setImage(image(ImageEncoding.IMAGE_ENCODING_PNG,
                    IMAGE_SIDE, IMAGE_SIDE, Arrays.copyOf(png, png.length / 2))).build().toByteArray();
            case TRUNCATED_JPEG -> frame(frameId).setImage(image(ImageEncoding.IMAGE_ENCODING_JPEG,
                    IMAGE_SIDE, IMAGE_SIDE, truncatedInScan(jpeg))).build().toByteArray();
            case NAN_ACTION -> frame(frameId).setHumanAction(
                    DriverAction.newBuilder().setSteering(Float.NaN).setAcceleration(0.1f)).build().toByteArray();
            case INFINITE_ACTION -> frame(frameId).setHumanAction(
                    DriverAction.newBuilder().setSteering(0.1f).setAcceleration(Float.POSITIVE_INFINITY))
                    .build().toByteArray();
            case NEGATIVE_SPEED -> frame(frameId).setSpeedMps(-5f).build().toByteArray();
            case CAPTURE_TIME_FAR_FUTURE -> frame(frameId)
                    .setCaptureTimeMs(captureTimeMs + FAR_FUTURE.toMillis()).build().toByteArray();
            case CAPTURE_TIME_UNSET -> frame(frameId).clearCaptureTimeMs().build().toByteArray();
        };
        return new PoisonRecord(name, key, value, kind.expected());
    }

    /**
     * {@code good} with poison records inserted at random places: {@code round(good.size() * rate)}
     * of them, kinds taken in turn so every kind appears once there are enough, serials counting up
     * per kind. Good records keep their order; the same arguments give the same stream.
     *
     * @param rate poison records per good record, in [0, 1]
     * @param mixSeed chooses the places
     */
    public List<RawRecord> mix(List<RawRecord> good, double rate, long mixSeed) {
        Objects.requireNonNull(good, "good");
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate is " + rate + "; it must be within [0, 1], e.g. 0.01 for 1% poison");
        }
        int poisonCount = (int) Math.round(good.size() * rate);
        // Place i (0..good.size()) means "before good record i"; several poison records may share one.
        Random random = new Random(mixSeed);
        int[] places = new int[poisonCount];
        for (int i = 0; i < poisonCount; i++) {
            places[i] = random.nextInt(good.size() + 1);
        }
        Arrays.sort(places);
        Kind[] kinds = Kind.values();
        int[] serials = new int[kinds.length];
        List<RawRecord> mixed = new ArrayList<>(good.size() + poisonCount);
        int next = 0;
        for (int i = 0; i <= good.size(); i++) {
            while (next < poisonCount && places[next] == i) {
                Kind kind = kinds[next % kinds.length];
                mixed.add(make(kind, serials[kind.ordinal()]++).toRaw());
                next++;
            }
            if (i < good.size()) {
                mixed.add(good.get(i));
            }
        }
        return Collections.unmodifiableList(mixed);
    }

    private FrameEvent.Builder frame(String frameId) {
        return FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId(vehicleId)
                .setCamera("front")
                .setCaptureTimeMs(captureTimeMs)
                .setImage(image(ImageEncoding.IMAGE_ENCODING_PNG, IMAGE_SIDE, IMAGE_SIDE, png))
                .setHumanAction(DriverAction.newBuilder().setSteering(0.1f).setAcceleration(0.2f))
                .setSpeedMps(12.5f);
    }

    private static Image.Builder image(ImageEncoding encoding, int width, int height, byte[] data) {
        return Image.newBuilder().setEncoding(encoding).setWidth(width).setHeight(height).setChannels(3)
                .setData(ByteString.copyFrom(data));
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[64 + random.nextInt(449)];
        random.nextBytes(bytes);
        // Field 0 with wire type 7 is no valid protobuf tag, so the bytes can never parse by chance.
        bytes[0] = 0x07;
        return bytes;
    }

    /** The frame cut halfway through its image field, so the parser meets the end inside a length-delimited field. */
    private static byte[] truncatedProtobuf(FrameEvent frame) {
        int beforeImage = frame.toBuilder().clearImage().clearHumanAction().clearSpeedMps().clearAttributes()
                .build().getSerializedSize();
        int imageField = CodedOutputStream.computeMessageSize(FrameEvent.IMAGE_FIELD_NUMBER, frame.getImage());
        return Arrays.copyOf(frame.toByteArray(), beforeImage + imageField / 2);
    }

    private byte[] oversized(FrameEvent.Builder frame) {
        int padding = Math.max(0, oversizedBytes - frame.build().getSerializedSize());
        return frame.putAttributes("padding", "x".repeat(padding)).build().toByteArray();
    }

    /** The JPEG cut halfway between its start-of-scan marker and its end, past every header. */
    private static byte[] truncatedInScan(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                return Arrays.copyOf(jpeg, i + (jpeg.length - i) / 2);
            }
        }
        throw new IllegalStateException("the JDK's JPEG writer produced no start-of-scan marker");
    }

    /**
     * The first 33 bytes of a PNG: signature and an IHDR chunk (with its CRC) declaring
     * {@code width x height}, and no pixels: what a header bomb is made of.
     */
    public static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height).put(new byte[] {8, 2, 0, 0, 0});
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(33)
                .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
                .putInt(13)
                .put(ihdr.array())
                .putInt((int) crc.getValue())
                .array();
    }

    private static BufferedImage noise(Random random) {
        BufferedImage image = new BufferedImage(IMAGE_SIDE, IMAGE_SIDE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < IMAGE_SIDE; y++) {
            for (int x = 0; x < IMAGE_SIDE; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("this JDK has no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode the zoo's " + format + " image in memory", e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
