package io.gleaner.ingest;

/**
 * Why a record was sent to {@code frames.dlq}. The {@link #code()} is written to the
 * {@code DlqHeaders.REASON} header and used as a metric label, so codes never change once released.
 */
public enum RejectReason {
    /** The record had no value (a tombstone) or an empty one. */
    EMPTY_MESSAGE("empty-message"),
    /** The value was larger than {@code ingest.max-message-bytes}; it was not parsed. */
    MESSAGE_TOO_LARGE("message-too-large"),
    /** The value is not a {@code FrameEvent} protobuf. */
    UNPARSEABLE_PROTOBUF("unparseable-protobuf"),
    /** The frame has no (or a blank) {@code frame_id}. */
    MISSING_FRAME_ID("missing-frame-id"),
    /** The frame has no (or a blank) {@code vehicle_id}. */
    MISSING_VEHICLE_ID("missing-vehicle-id"),
    /** {@code frame_id} or {@code vehicle_id} is longer than 128 chars or holds a control character. */
    INVALID_ID("invalid-id"),
    /** The record key is missing or is not the frame's {@code vehicle_id} as UTF-8 bytes. */
    KEY_MISMATCH("key-mismatch"),
    /** No image, or an image with neither inline bytes nor a URI. */
    MISSING_IMAGE("missing-image"),
    /** The image is given by URI; only inline bytes are accepted until URI fetching exists. */
    IMAGE_URI_UNSUPPORTED("image-uri-unsupported"),
    /** The image encoding is unspecified or unknown to this version. */
    MISSING_ENCODING("missing-encoding"),
    /** Declared width, height or channels are zero, negative or impossible for the encoding. */
    INVALID_IMAGE_DIMENSIONS("invalid-image-dimensions"),
    /** The inline image is larger than {@code ingest.max-image-bytes}. */
    IMAGE_TOO_LARGE("image-too-large"),
    /** Width or height (from the header, or declared) exceeds {@code ingest.max-width/max-height}. */
    IMAGE_DIMENSIONS_TOO_LARGE("image-dimensions-too-large"),
    /** The bytes carry the declared format's signature but its header cannot be read. */
    UNREADABLE_IMAGE_HEADER("unreadable-image-header"),
    /** The size in the image header differs from the declared width and height. */
    IMAGE_HEADER_MISMATCH("image-header-mismatch"),
    /** The image bytes are not in the declared encoding (e.g. a PNG declared as JPEG). */
    ENCODING_MISMATCH("encoding-mismatch"),
    /** A RAW image whose byte count is not width x height x channels. */
    RAW_SIZE_MISMATCH("raw-size-mismatch"),
    /** The human action is missing, not finite, or outside [-1, 1]. */
    INVALID_ACTION("invalid-action"),
    /** {@code speed_mps} is not finite, negative, or above {@code ingest.max-speed-mps}. */
    INVALID_SPEED("invalid-speed"),
    /** The capture time lies further ahead of the ingest clock than {@code ingest.max-clock-skew}. */
    CAPTURE_TIME_IN_FUTURE("capture-time-in-future"),
    /** The capture time lies further behind the ingest clock than {@code ingest.max-capture-age} (or is unset). */
    CAPTURE_TIME_TOO_OLD("capture-time-too-old"),
    /** A PNG or JPEG whose header passed but whose pixel data the decoder refused (truncated, corrupt). */
    UNDECODABLE_IMAGE("undecodable-image"),
    /** The decoder produced an image whose size differs from the declared width and height. */
    DECODED_SIZE_MISMATCH("decoded-size-mismatch");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The short, stable code written to the DLQ reason header, e.g. {@code image-too-large}. */
    public String code() {
        return code;
    }
}
