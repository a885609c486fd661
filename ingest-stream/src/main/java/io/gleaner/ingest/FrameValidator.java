package io.gleaner.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules a {@code frames.raw} record must pass to reach {@code frames.valid}, as pure logic: no
 * Kafka types, no I/O. Cheap checks come first and every size is bounded before work is spent on
 * it: the message size before parsing, the image byte size before reading its header, and the pixel
 * size from the header before anything could decode it. Only a frame that passed every other rule
 * (ids, key, image header, action, speed, capture time) has its PNG or JPEG decoded, to prove the
 * pixel data is whole and of the declared size; each decode's time goes to {@link IngestMetrics}.
 *
 * <p>Capture times are judged against an injected {@link Clock}: no further ahead than
 * {@code ingest.max-clock-skew}, no further back than {@code ingest.max-capture-age}.
 *
 * <p>Ids are bounded too ({@value #MAX_ID_CHARS} chars, no ISO control characters): they end up in
 * PostgreSQL {@code TEXT} columns, which reject U+0000, and under a unique index, whose row size a
 * multi-KB id would exceed; either would jam the labeling-queue sink downstream.
 *
 * <p>The record key must be the frame's {@code vehicle_id} as UTF-8 bytes
 * ({@link #validate(byte[], byte[])}): deduplication by frame id is per partition, so it only works
 * when a frame and its re-sends share a key and thus a partition.
 *
 * <p>Images given by URI instead of inline bytes are rejected ({@link RejectReason#IMAGE_URI_UNSUPPORTED}):
 * nothing in Gleaner can fetch them yet, so ingest could not bound their size and the labeling
 * queue and retraining could not use them. Fetching (and re-bounding) URI images is future work.
 *
 * <p>Thread-safe: it holds the immutable config, the clock and the thread-safe metrics.
 */
public final class FrameValidator {
    /** Longest accepted {@code frame_id} or {@code vehicle_id}, in chars. */
    public static final int MAX_ID_CHARS = 128;
    private static final int MAX_ID_CHARS_IN_DETAIL = 64;

    private final IngestConfig config;
    private final Clock clock;
    private final IngestMetrics metrics;

    /**
     * A validator with the system clock whose decode times go nowhere; for checks outside the
     * stage (tests, the simulator's self-check, a benchmark's plain loop).
     */
    public FrameValidator(IngestConfig config) {
        this(config, Clock.systemUTC(), new IngestMetrics());
    }

    /**
     * @param clock the clock capture times are judged against ({@code ingest.max-clock-skew},
     *     {@code ingest.max-capture-age})
     * @param metrics where each image decode's time is recorded
     */
    public FrameValidator(IngestConfig config, Clock clock, IngestMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Validates one raw {@code frames.raw} value; {@code message} may be null (a tombstone). */
    public ValidationResult validate(byte[] message) {
        ValidationResult parsed = parse(message);
        return parsed instanceof ValidationResult.Valid valid ? validateFrame(valid.frame()) : parsed;
    }

    /**
     * Validates one {@code frames.raw} record: its value as {@link #validate(byte[])} does, and that
     * its key is the frame's {@code vehicle_id} as UTF-8 bytes. The key is checked with the other
     * cheap rules, before the image is decoded.
     *
     * @param key the record key as sent, may be null
     * @param message the record value as sent, may be null (a tombstone)
     */
    public ValidationResult validate(byte[] key, byte[] message) {
        ValidationResult parsed = parse(message);
        if (!(parsed instanceof ValidationResult.Valid valid)) {
            return parsed;
        }
        FrameEvent frame = valid.frame();
        Optional<Rejection> problem = checkCheapRules(frame);
        if (problem.isEmpty()) {
            problem = checkKey(key, frame);
        }
        if (problem.isEmpty()) {
            problem = checkDecodes(frame);
        }
        return problem.isPresent() ? problem.get() : valid;
    }

    /** Validates an already parsed frame (every rule except the message size and the record key). */
    public ValidationResult validateFrame(FrameEvent frame) {
        Optional<Rejection> problem = checkCheapRules(frame);
        if (problem.isEmpty()) {
            problem = checkDecodes(frame);
        }
        return problem.isPresent() ? problem.get() : new ValidationResult.Valid(frame);
    }

    private ValidationResult parse(byte[] message) {
        if (message == null || message.length == 0) {
            return new Rejection(RejectReason.EMPTY_MESSAGE,
                    "record has " + (message == null ? "no value (tombstone)" : "an empty value")
                            + "; frames.raw expects a FrameEvent protobuf");
        }
        if (message.length > config.maxMessageBytes()) {
            return new Rejection(RejectReason.MESSAGE_TOO_LARGE,
                    "record is " + message.length + " bytes, limit is " + config.maxMessageBytes()
                            + " (ingest.max-message-bytes); shrink or recompress the image");
        }
        try {
            return new ValidationResult.Valid(FrameEvent.parseFrom(message));
        } catch (InvalidProtocolBufferException e) {
            return new Rejection(RejectReason.UNPARSEABLE_PROTOBUF,
                    "record of " + message.length + " bytes (first bytes: " + ImageHeaders.hexPrefix(message)
                            + ") is not a FrameEvent protobuf: " + e.getMessage(),
                    e.getClass().getName());
        }
    }

    private static Optional<Rejection> checkKey(byte[] key, FrameEvent frame) {
        byte[] expected = frame.getVehicleId().getBytes(StandardCharsets.UTF_8);
        if (key != null && Arrays.equals(key, expected)) {
            return Optional.empty();
        }
        String rule = "; key frames.raw records by the frame's vehicle_id as UTF-8 bytes ('"
                + shorten(frame.getVehicleId()) + "'), so a frame and its re-sends reach the same partition"
                + " and deduplicate";
        String found = key == null
                ? "record has no key"
                : "record key '" + shorten(new String(key, StandardCharsets.UTF_8)) + "' (" + key.length
                        + " bytes) is not the frame's vehicle_id";
        return reject(RejectReason.KEY_MISMATCH, "frame " + shorten(frame.getFrameId()) + ": " + found + rule);
    }

    /** Every rule that costs no more than reading the fields and the image header. */
    private Optional<Rejection> checkCheapRules(FrameEvent frame) {
        if (frame.getFrameId().isBlank()) {
            return reject(RejectReason.MISSING_FRAME_ID,
                    "frame from vehicle '" + shorten(frame.getVehicleId()) + "' has no frame_id; every frame needs a unique id");
        }
        String name = "frame " + shorten(frame.getFrameId());
        Optional<Rejection> problem = checkId(name, "frame_id", frame.getFrameId());
        if (problem.isPresent()) {
            return problem;
        }
        if (frame.getVehicleId().isBlank()) {
            return reject(RejectReason.MISSING_VEHICLE_ID, name + ": has no vehicle_id; frames are keyed and ordered by it");
        }
        problem = checkId(name, "vehicle_id", frame.getVehicleId());
        if (problem.isEmpty()) {
            problem = checkImage(name, frame);
        }
        if (problem.isEmpty()) {
            problem = checkAction(name, frame);
        }
        if (problem.isEmpty()) {
            problem = checkSpeed(name, frame);
        }
        if (problem.isEmpty()) {
            problem = checkCaptureTime(name, frame);
        }
        return problem;
    }

    private Optional<Rejection> checkSpeed(String name, FrameEvent frame) {
        float speed = frame.getSpeedMps();
        if (Float.isFinite(speed) && speed >= 0f && speed <= config.maxSpeedMps()) {
            return Optional.empty();
        }
        return reject(RejectReason.INVALID_SPEED, name + ": speed_mps is " + speed + "; it must be finite and within [0, "
                + config.maxSpeedMps() + "] (ingest.max-speed-mps)");
    }

    private Optional<Rejection> checkCaptureTime(String name, FrameEvent frame) {
        long captureMs = frame.getCaptureTimeMs();
        long nowMs = clock.millis();
        // Saturating: a capture time near Long.MIN/MAX_VALUE must not overflow into range.
        long latestMs = saturatedAdd(nowMs, config.maxClockSkew().toMillis());
        long earliestMs = saturatedAdd(nowMs, -config.maxCaptureAge().toMillis());
        if (captureMs > latestMs) {
            return reject(RejectReason.CAPTURE_TIME_IN_FUTURE, name + ": capture_time_ms " + captureMs + " ("
                    + instant(captureMs) + ") is " + Duration.ofMillis(captureMs - nowMs) + " ahead of the ingest clock ("
                    + Instant.ofEpochMilli(nowMs) + "), limit is " + config.maxClockSkew()
                    + " (ingest.max-clock-skew); check the vehicle's clock");
        }
        if (captureMs < earliestMs) {
            return reject(RejectReason.CAPTURE_TIME_TOO_OLD, name + ": capture_time_ms " + captureMs + " ("
                    + instant(captureMs) + ") is older than " + config.maxCaptureAge() + " before the ingest clock ("
                    + Instant.ofEpochMilli(nowMs) + ") (ingest.max-capture-age); set capture_time_ms to when the frame"
                    + " was taken, in epoch milliseconds");
        }
        return Optional.empty();
    }

    /**
     * Decodes a PNG or JPEG image (RAW needs no decoding: its byte count was checked) and compares
     * the decoded size with the declared one. Runs only after every cheap rule passed.
     */
    private Optional<Rejection> checkDecodes(FrameEvent frame) {
        Image image = frame.getImage();
        if (image.getEncoding() == ImageEncoding.IMAGE_ENCODING_RAW) {
            return Optional.empty();
        }
        ImageHeaders.Format format =
                image.getEncoding() == ImageEncoding.IMAGE_ENCODING_PNG ? ImageHeaders.Format.PNG : ImageHeaders.Format.JPEG;
        String name = "frame " + shorten(frame.getFrameId());
        ImageDecoder.Decoded decoded;
        long start = System.nanoTime();
        try {
            decoded = ImageDecoder.decode(format, image.getData().newInput());
        } catch (ImageDecoder.ImageDecodeException e) {
            return Optional.of(new Rejection(RejectReason.UNDECODABLE_IMAGE, name + ": " + image.getData().size()
                    + "-byte " + e.getMessage() + "; send the whole, uncorrupted image", e.exceptionClass()));
        } finally {
            metrics.recordDecode(System.nanoTime() - start);
        }
        return checkDecodedSize(name, format, image.getWidth(), image.getHeight(), decoded);
    }

    /** Package-private so that a decoder disagreeing with the header reader can be simulated in tests. */
    static Optional<Rejection> checkDecodedSize(
            String name, ImageHeaders.Format format, int declaredWidth, int declaredHeight, ImageDecoder.Decoded decoded) {
        if (decoded.width() == declaredWidth && decoded.height() == declaredHeight) {
            return Optional.empty();
        }
        return reject(RejectReason.DECODED_SIZE_MISMATCH, name + ": " + format + " decodes to " + decoded.width() + "x"
                + decoded.height() + " px but the frame declares " + declaredWidth + "x" + declaredHeight);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        // Overflow iff both operands have the same sign and the sum's sign differs.
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return sum;
    }

    private static String instant(long epochMs) {
        try {
            return Instant.ofEpochMilli(epochMs).toString();
        } catch (DateTimeException e) {
            return "beyond the representable instants";
        }
    }

    private Optional<Rejection> checkImage(String name, FrameEvent frame) {
        if (!frame.hasImage()) {
            return reject(RejectReason.MISSING_IMAGE, name + ": has no image");
        }
        Image image = frame.getImage();
        switch (image.getPayloadCase()) {
            case PAYLOAD_NOT_SET:
                return reject(RejectReason.MISSING_IMAGE, name + ": image has neither inline data nor a uri");
            case URI:
                if (image.getUri().isBlank()) {
                    return reject(RejectReason.MISSING_IMAGE, name + ": image uri is empty");
                }
                return reject(RejectReason.IMAGE_URI_UNSUPPORTED, name + ": image is given by uri, which Gleaner"
                        + " cannot fetch or size-check yet; send the image as inline bytes (image.data)");
            case DATA:
                if (image.getData().isEmpty()) {
                    return reject(RejectReason.MISSING_IMAGE, name + ": image data is empty");
                }
                break;
            default:
                throw new IllegalStateException("unhandled image payload " + image.getPayloadCase());
        }
        ImageEncoding encoding = image.getEncoding();
        if (encoding == ImageEncoding.IMAGE_ENCODING_UNSPECIFIED || encoding == ImageEncoding.UNRECOGNIZED) {
            return reject(RejectReason.MISSING_ENCODING, name + ": image encoding is "
                    + (encoding == ImageEncoding.UNRECOGNIZED ? "unknown (value " + image.getEncodingValue() + ")" : "not set")
                    + "; set JPEG, PNG or RAW");
        }
        if (image.getWidth() <= 0 || image.getHeight() <= 0) {
            return reject(RejectReason.INVALID_IMAGE_DIMENSIONS, name + ": declared image size is "
                    + image.getWidth() + "x" + image.getHeight() + " px; width and height must be positive");
        }
        Optional<Rejection> tooBig = checkPixelLimits(name, "declared size", image.getWidth(), image.getHeight());
        if (tooBig.isPresent()) {
            return tooBig;
        }
        int byteSize = image.getData().size();
        if (byteSize > config.maxImageBytes()) {
            return reject(RejectReason.IMAGE_TOO_LARGE, name + ": image is " + byteSize + " bytes, limit is "
                    + config.maxImageBytes() + " (ingest.max-image-bytes)");
        }
        byte[] data = image.getData().toByteArray();
        return encoding == ImageEncoding.IMAGE_ENCODING_RAW
                ? checkRaw(name, image, data)
                : checkEncoded(name, image, encoding, data);
    }

    private Optional<Rejection> checkEncoded(String name, Image image, ImageEncoding encoding, byte[] data) {
        ImageHeaders.Format declared =
                encoding == ImageEncoding.IMAGE_ENCODING_PNG ? ImageHeaders.Format.PNG : ImageHeaders.Format.JPEG;
        Optional<ImageHeaders.Format> actual = ImageHeaders.sniff(data);
        if (actual.isEmpty() || actual.get() != declared) {
            return reject(RejectReason.ENCODING_MISMATCH, name + ": image is declared " + declared + " but its bytes "
                    + actual.map(f -> "are a " + f).orElse("start with " + ImageHeaders.hexPrefix(data)));
        }
        ImageHeaders.Dimensions header;
        try {
            header = ImageHeaders.read(data);
        } catch (IllegalArgumentException e) {
            return Optional.of(new Rejection(RejectReason.UNREADABLE_IMAGE_HEADER,
                    name + ": " + e.getMessage(), e.getClass().getName()));
        }
        Optional<Rejection> tooBig =
                checkPixelLimits(name, declared + " header", header.width(), header.height());
        if (tooBig.isPresent()) {
            return tooBig;
        }
        if (header.width() != image.getWidth() || header.height() != image.getHeight()) {
            return reject(RejectReason.IMAGE_HEADER_MISMATCH, name + ": " + declared + " header says "
                    + header.width() + "x" + header.height() + " px but the frame declares "
                    + image.getWidth() + "x" + image.getHeight());
        }
        return Optional.empty();
    }

    private Optional<Rejection> checkRaw(String name, Image image, byte[] data) {
        int channels = image.getChannels();
        if (channels != 1 && channels != 3 && channels != 4) {
            return reject(RejectReason.INVALID_IMAGE_DIMENSIONS,
                    name + ": RAW image declares " + channels + " channels; use 1, 3 or 4");
        }
        long expected = (long) image.getWidth() * image.getHeight() * channels;
        if (data.length == expected) {
            return Optional.empty();
        }
        Optional<ImageHeaders.Format> actual = ImageHeaders.sniff(data);
        if (actual.isPresent()) {
            return reject(RejectReason.ENCODING_MISMATCH,
                    name + ": image is declared RAW but its bytes are a " + actual.get());
        }
        return reject(RejectReason.RAW_SIZE_MISMATCH, name + ": RAW image is " + data.length + " bytes but "
                + image.getWidth() + "x" + image.getHeight() + "x" + channels + " needs " + expected);
    }

    private Optional<Rejection> checkPixelLimits(String name, String source, int width, int height) {
        if (width > config.maxWidth() || height > config.maxHeight()) {
            return reject(RejectReason.IMAGE_DIMENSIONS_TOO_LARGE, name + ": " + source + " is "
                    + width + "x" + height + " px, limit is " + config.maxWidth() + "x" + config.maxHeight()
                    + " (ingest.max-width/max-height)");
        }
        return Optional.empty();
    }

    private static Optional<Rejection> checkAction(String name, FrameEvent frame) {
        if (!frame.hasHumanAction()) {
            return reject(RejectReason.INVALID_ACTION, name + ": has no human_action; every frame carries what the driver did");
        }
        DriverAction action = frame.getHumanAction();
        if (!inUnitRange(action.getSteering()) || !inUnitRange(action.getAcceleration())) {
            return reject(RejectReason.INVALID_ACTION, name + ": human action is steering " + action.getSteering()
                    + ", acceleration " + action.getAcceleration() + "; both must be finite and within [-1, 1]");
        }
        return Optional.empty();
    }

    private static Optional<Rejection> checkId(String name, String field, String id) {
        if (id.length() > MAX_ID_CHARS) {
            return reject(RejectReason.INVALID_ID, name + ": " + field + " is " + id.length() + " chars, limit is "
                    + MAX_ID_CHARS + " chars with no control characters");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return reject(RejectReason.INVALID_ID, name + ": " + field + " (" + id.length()
                        + " chars) has control character " + String.format("U+%04X", (int) id.charAt(i))
                        + " at index " + i + "; ids must be at most " + MAX_ID_CHARS
                        + " chars with no control characters");
            }
        }
        return Optional.empty();
    }

    private static boolean inUnitRange(float value) {
        return Float.isFinite(value) && value >= -1f && value <= 1f;
    }

    private static Optional<Rejection> reject(RejectReason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }

    /** The id cut to a readable length, with control characters escaped so a detail header stays one clean line. */
    private static String shorten(String id) {
        String cut = id.length() <= MAX_ID_CHARS_IN_DETAIL ? id : id.substring(0, MAX_ID_CHARS_IN_DETAIL) + "…";
        StringBuilder printable = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            printable.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return printable.toString();
    }
}
