package io.gleaner.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules a {@code frames.raw} record must pass to reach {@code frames.valid}, as pure logic: no
 * Kafka types, no I/O, no image decoding. Cheap checks come first and every size is bounded before
 * work is spent on it: the message size before parsing, the image byte size before reading its
 * header, and the pixel size from the header before anything could decode it.
 *
 * <p>Images given by URI instead of inline bytes are accepted when the URI is not blank and the
 * declared size is within the limits: their bytes are not here, so their byte size, header and
 * encoding cannot be checked at ingest, and whoever fetches them must bound them again.
 *
 * <p>Thread-safe: it holds only the immutable config.
 */
public final class FrameValidator {
    private static final int MAX_ID_CHARS_IN_DETAIL = 64;

    private final IngestConfig config;

    public FrameValidator(IngestConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Validates one raw {@code frames.raw} value; {@code message} may be null (a tombstone). */
    public ValidationResult validate(byte[] message) {
        if (message == null || message.length == 0) {
            return new Rejection(RejectReason.EMPTY_MESSAGE,
                    "record has " + (message == null ? "no value (tombstone)" : "an empty value")
                            + "; frames.raw expects a FrameEvent protobuf");
        }
        if (message.length > config.maxMessageBytes()) {
            return new Rejection(RejectReason.MESSAGE_TOO_LARGE,
                    "record is " + message.length + " bytes, limit is " + config.maxMessageBytes()
                            + " (ingest.max-message-bytes); send large images by URI");
        }
        FrameEvent frame;
        try {
            frame = FrameEvent.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return new Rejection(RejectReason.UNPARSEABLE_PROTOBUF,
                    "record of " + message.length + " bytes (first bytes: " + ImageHeaders.hexPrefix(message)
                            + ") is not a FrameEvent protobuf: " + e.getMessage(),
                    e.getClass().getName());
        }
        return validateFrame(frame);
    }

    /** Validates an already parsed frame (every rule except the message size). */
    public ValidationResult validateFrame(FrameEvent frame) {
        if (frame.getFrameId().isBlank()) {
            return new Rejection(RejectReason.MISSING_FRAME_ID,
                    "frame from vehicle '" + shorten(frame.getVehicleId()) + "' has no frame_id; every frame needs a unique id");
        }
        String name = "frame " + shorten(frame.getFrameId());
        if (frame.getVehicleId().isBlank()) {
            return new Rejection(RejectReason.MISSING_VEHICLE_ID, name + ": has no vehicle_id; frames are keyed and ordered by it");
        }
        Optional<Rejection> imageProblem = checkImage(name, frame);
        if (imageProblem.isPresent()) {
            return imageProblem.get();
        }
        Optional<Rejection> actionProblem = checkAction(name, frame);
        if (actionProblem.isPresent()) {
            return actionProblem.get();
        }
        return new ValidationResult.Valid(frame);
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
                break;
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
        if (image.getPayloadCase() == Image.PayloadCase.URI) {
            return Optional.empty();
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

    private static boolean inUnitRange(float value) {
        return Float.isFinite(value) && value >= -1f && value <= 1f;
    }

    private static Optional<Rejection> reject(RejectReason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }

    private static String shorten(String id) {
        return id.length() <= MAX_ID_CHARS_IN_DETAIL ? id : id.substring(0, MAX_ID_CHARS_IN_DETAIL) + "…";
    }
}
