package io.gleaner.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FrameValidatorTest {
    private final IngestMetrics metrics = new IngestMetrics();
    private final FrameValidator validator = new FrameValidator(IngestConfig.defaults(), TestFrames.CLOCK, metrics);

    @Test
    void acceptsWellFormedPngFrame() {
        FrameEvent frame = TestFrames.pngFrame("f-1", "vehicle-00").build();
        assertThat(validator.validate(frame.toByteArray())).isEqualTo(new ValidationResult.Valid(frame));
    }

    @Test
    void acceptsWellFormedJpegAndRawFrames() {
        FrameEvent jpeg = TestFrames.frame("f-2", "v", ImageEncoding.IMAGE_ENCODING_JPEG, 320, 200,
                TestFrames.jpeg(320, 200)).build();
        FrameEvent raw = TestFrames.frame("f-3", "v", ImageEncoding.IMAGE_ENCODING_RAW, 4, 2, new byte[4 * 2 * 3]).build();
        assertThat(validator.validateFrame(jpeg)).isInstanceOf(ValidationResult.Valid.class);
        assertThat(validator.validateFrame(raw)).isInstanceOf(ValidationResult.Valid.class);
    }

    @Test
    void tombstoneAndEmptyValueAreEmptyMessages() {
        assertThat(reasonOf(validator.validate(null))).isEqualTo(RejectReason.EMPTY_MESSAGE);
        assertThat(reasonOf(validator.validate(new byte[0]))).isEqualTo(RejectReason.EMPTY_MESSAGE);
    }

    @Test
    void oversizedMessageIsRejectedBeforeParsing() {
        FrameValidator small = new FrameValidator(new IngestConfig(100, 50, 64, 64, Duration.ofMinutes(1)));
        // 101 bytes of garbage: were it parsed, the reason would be unparseable-protobuf.
        byte[] garbage = new byte[101];
        assertThat(small.validate(garbage)).isEqualTo(new Rejection(RejectReason.MESSAGE_TOO_LARGE,
                "record is 101 bytes, limit is 100 (ingest.max-message-bytes); shrink or recompress the image"));
    }

    @Test
    void garbageIsUnparseableAndNamesTheException() {
        Rejection rejection = (Rejection) validator.validate("not a protobuf at all".getBytes(StandardCharsets.UTF_8));
        assertThat(rejection.reason()).isEqualTo(RejectReason.UNPARSEABLE_PROTOBUF);
        assertThat(rejection.exception()).isEqualTo("com.google.protobuf.InvalidProtocolBufferException$InvalidWireTypeException");
        assertThat(rejection.detail()).startsWith("record of 21 bytes (first bytes: 6e 6f 74 20 61 20 70 72)");
    }

    @Test
    void missingIdsAreRejected() {
        assertThat(reasonOf(validator.validateFrame(TestFrames.pngFrame("", "v").build())))
                .isEqualTo(RejectReason.MISSING_FRAME_ID);
        assertThat(reasonOf(validator.validateFrame(TestFrames.pngFrame("f", " ").build())))
                .isEqualTo(RejectReason.MISSING_VEHICLE_ID);
    }

    @Test
    void missingImageOrEncodingIsRejected() {
        assertThat(reasonOf(validator.validateFrame(TestFrames.pngFrame("f", "v").clearImage().build())))
                .isEqualTo(RejectReason.MISSING_IMAGE);
        FrameEvent noEncoding = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_UNSPECIFIED, 64, 64,
                TestFrames.pngHeader(64, 64)).build();
        assertThat(reasonOf(validator.validateFrame(noEncoding))).isEqualTo(RejectReason.MISSING_ENCODING);
    }

    @Test
    void uriImageIsRejectedAsUnsupportedAndBlankUriIsMissing() {
        Image.Builder byUri = Image.newBuilder()
                .setEncoding(ImageEncoding.IMAGE_ENCODING_JPEG).setWidth(640).setHeight(480).setUri("s3://fleet/f.jpg");
        FrameEvent.Builder frame = TestFrames.pngFrame("f", "v").setImage(byUri);
        assertThat(validator.validateFrame(frame.build())).isEqualTo(new Rejection(RejectReason.IMAGE_URI_UNSUPPORTED,
                "frame f: image is given by uri, which Gleaner cannot fetch or size-check yet;"
                        + " send the image as inline bytes (image.data)"));
        assertThat(reasonOf(validator.validateFrame(frame.setImage(byUri.setUri("  ")).build())))
                .isEqualTo(RejectReason.MISSING_IMAGE);
    }

    @Test
    void idsUpTo128CharsPassAndLongerOnesAreInvalidNamingFieldLengthAndLimit() {
        String max = "f".repeat(FrameValidator.MAX_ID_CHARS);
        assertThat(validator.validateFrame(TestFrames.pngFrame(max, "v".repeat(128)).build()))
                .isInstanceOf(ValidationResult.Valid.class);
        Rejection longFrameId = (Rejection) validator.validateFrame(TestFrames.pngFrame("f".repeat(5000), "v").build());
        assertThat(longFrameId.reason()).isEqualTo(RejectReason.INVALID_ID);
        assertThat(longFrameId.detail()).endsWith(
                ": frame_id is 5000 chars, limit is 128 chars with no control characters");
        assertThat(validator.validateFrame(TestFrames.pngFrame("f9", "v".repeat(129)).build()))
                .isEqualTo(new Rejection(RejectReason.INVALID_ID,
                        "frame f9: vehicle_id is 129 chars, limit is 128 chars with no control characters"));
    }

    @Test
    void idsWithControlCharactersAreInvalidSoPostgresNeverSeesANul() {
        assertThat(validator.validateFrame(TestFrames.pngFrame("f\u0000x", "v").build()))
                .isEqualTo(new Rejection(RejectReason.INVALID_ID, "frame f\\u0000x: frame_id (3 chars) has control"
                        + " character U+0000 at index 1; ids must be at most 128 chars with no control characters"));
        assertThat(reasonOf(validator.validateFrame(TestFrames.pngFrame("f", "veh\nicle").build())))
                .isEqualTo(RejectReason.INVALID_ID);
        assertThat(reasonOf(validator.validateFrame(TestFrames.pngFrame("f", "v\u0085").build())))
                .isEqualTo(RejectReason.INVALID_ID);
    }

    @Test
    void recordKeyMustBeTheVehicleIdAsUtf8() {
        byte[] value = TestFrames.pngFrame("f", "véhicule-1").build().toByteArray();
        assertThat(validator.validate("véhicule-1".getBytes(StandardCharsets.UTF_8), value))
                .isInstanceOf(ValidationResult.Valid.class);
        assertThat(validator.validate(null, value)).isEqualTo(new Rejection(RejectReason.KEY_MISMATCH,
                "frame f: record has no key; key frames.raw records by the frame's vehicle_id as UTF-8 bytes"
                        + " ('véhicule-1'), so a frame and its re-sends reach the same partition and deduplicate"));
        assertThat(reasonOf(validator.validate("vehicule-1".getBytes(StandardCharsets.UTF_8), value)))
                .isEqualTo(RejectReason.KEY_MISMATCH);
        assertThat(reasonOf(validator.validate("véhicule-1".getBytes(StandardCharsets.ISO_8859_1), value)))
                .isEqualTo(RejectReason.KEY_MISMATCH);
        // A bad value is reported as such whatever the key.
        assertThat(reasonOf(validator.validate(null, new byte[0]))).isEqualTo(RejectReason.EMPTY_MESSAGE);
    }

    @Test
    void imageBytesAboveLimitAreRejected() {
        FrameValidator small = new FrameValidator(new IngestConfig(10_000, 32, 64, 64, Duration.ofMinutes(1)));
        FrameEvent headerOnly = TestFrames.frame("f7", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64,
                TestFrames.pngHeader(64, 64)).build();
        assertThat(small.validateFrame(headerOnly))
                .isEqualTo(new Rejection(RejectReason.IMAGE_TOO_LARGE,
                        "frame f7: image is 33 bytes, limit is 32 (ingest.max-image-bytes)"));
    }

    @Test
    void hugePngHeaderIsRejectedFromTheHeaderAlone() {
        FrameEvent frame = TestFrames.frame("7f3a", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64,
                TestFrames.pngHeader(30_000, 30_000)).build();
        assertThat(validator.validateFrame(frame)).isEqualTo(new Rejection(RejectReason.IMAGE_DIMENSIONS_TOO_LARGE,
                "frame 7f3a: PNG header is 30000x30000 px, limit is 1024x1024 (ingest.max-width/max-height)"));
    }

    @Test
    void headerSizeMustMatchDeclaredSize() {
        FrameEvent frame = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64,
                TestFrames.pngHeader(64, 32)).build();
        assertThat(validator.validateFrame(frame)).isEqualTo(new Rejection(RejectReason.IMAGE_HEADER_MISMATCH,
                "frame f: PNG header says 64x32 px but the frame declares 64x64"));
    }

    @Test
    void pngDeclaredAsJpegIsAnEncodingMismatch() {
        FrameEvent frame = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_JPEG, 64, 64,
                TestFrames.pngHeader(64, 64)).build();
        assertThat(validator.validateFrame(frame)).isEqualTo(new Rejection(RejectReason.ENCODING_MISMATCH,
                "frame f: image is declared JPEG but its bytes are a PNG"));
    }

    @Test
    void truncatedHeaderIsUnreadable() {
        byte[] truncated = java.util.Arrays.copyOf(TestFrames.pngHeader(64, 64), 12);
        Rejection rejection = (Rejection) validator.validateFrame(
                TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64, truncated).build());
        assertThat(rejection.reason()).isEqualTo(RejectReason.UNREADABLE_IMAGE_HEADER);
        assertThat(rejection.exception()).isEqualTo(IllegalArgumentException.class.getName());
    }

    @Test
    void rawByteCountMustMatchDimensions() {
        FrameEvent frame = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_RAW, 4, 2, new byte[23]).build();
        assertThat(validator.validateFrame(frame)).isEqualTo(new Rejection(RejectReason.RAW_SIZE_MISMATCH,
                "frame f: RAW image is 23 bytes but 4x2x3 needs 24"));
    }

    @Test
    void actionMustBeFiniteAndWithinUnitRange() {
        FrameEvent.Builder frame = TestFrames.pngFrame("f", "v");
        assertThat(validator.validateFrame(frame.setHumanAction(action(0f, 1.5f)).build()))
                .isEqualTo(new Rejection(RejectReason.INVALID_ACTION,
                        "frame f: human action is steering 0.0, acceleration 1.5; both must be finite and within [-1, 1]"));
        assertThat(reasonOf(validator.validateFrame(frame.setHumanAction(action(Float.NaN, 0f)).build())))
                .isEqualTo(RejectReason.INVALID_ACTION);
        assertThat(reasonOf(validator.validateFrame(frame.clearHumanAction().build())))
                .isEqualTo(RejectReason.INVALID_ACTION);
        assertThat(validator.validateFrame(frame.setHumanAction(action(-1f, 1f)).build()))
                .isInstanceOf(ValidationResult.Valid.class);
    }

    @Test
    void rawBytesThatAreReallyAPngAreAnEncodingMismatch() {
        FrameEvent frame = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_RAW, 64, 64,
                TestFrames.pngHeader(64, 64)).build();
        assertThat(reasonOf(validator.validateFrame(frame))).isEqualTo(RejectReason.ENCODING_MISMATCH);
    }

    @Test
    void truncatedPngAndJpegPassTheirHeadersButFailToDecode() {
        byte[] png = TestFrames.png(64, 64);
        byte[] jpeg = TestFrames.jpeg(64, 64);
        Rejection cutPng = (Rejection) validator.validateFrame(TestFrames.frame("p", "v", ImageEncoding.IMAGE_ENCODING_PNG,
                64, 64, java.util.Arrays.copyOf(png, png.length / 2)).build());
        Rejection cutJpeg = (Rejection) validator.validateFrame(TestFrames.frame("j", "v", ImageEncoding.IMAGE_ENCODING_JPEG,
                64, 64, java.util.Arrays.copyOf(jpeg, jpeg.length - 40)).build());

        assertThat(cutPng.reason()).isEqualTo(RejectReason.UNDECODABLE_IMAGE);
        assertThat(cutPng.detail()).startsWith("frame p: " + png.length / 2 + "-byte PNG does not decode: ")
                .endsWith("; send the whole, uncorrupted image");
        assertThat(cutPng.exception()).isNotEmpty();
        assertThat(cutJpeg.reason()).isEqualTo(RejectReason.UNDECODABLE_IMAGE);
        assertThat(cutJpeg.detail()).startsWith("frame j: ").contains("JPEG");
        assertThat(metrics.decodes()).isEqualTo(2);
    }

    @Test
    void wholeImagesDecodeAndEachDecodeIsTimed() {
        assertThat(validator.validateFrame(TestFrames.pngFrame("a", "v").build())).isInstanceOf(ValidationResult.Valid.class);
        assertThat(validator.validateFrame(TestFrames.frame("b", "v", ImageEncoding.IMAGE_ENCODING_JPEG, 48, 32,
                TestFrames.jpeg(48, 32)).build())).isInstanceOf(ValidationResult.Valid.class);
        assertThat(validator.validateFrame(TestFrames.frame("c", "v", ImageEncoding.IMAGE_ENCODING_RAW, 4, 2,
                new byte[24]).build())).isInstanceOf(ValidationResult.Valid.class);

        assertThat(metrics.decodes()).as("PNG and JPEG are decoded, RAW is not").isEqualTo(2);
        assertThat(metrics.decodeNanosTotal()).isPositive().isGreaterThanOrEqualTo(metrics.decodeNanosMax());
        assertThat(metrics.decodeNanosMax()).isPositive();
        assertThat(java.util.Arrays.stream(metrics.decodeHistogram()).sum()).isEqualTo(2);
    }

    @Test
    void imageIsDecodedOnlyAfterEveryCheapRuleAndTheKeyPassed() {
        byte[] png = TestFrames.png(64, 64);
        FrameEvent.Builder cut = TestFrames.frame("f", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64,
                java.util.Arrays.copyOf(png, png.length / 2));

        assertThat(reasonOf(validator.validateFrame(cut.setHumanAction(action(2f, 0f)).build())))
                .isEqualTo(RejectReason.INVALID_ACTION);
        assertThat(reasonOf(validator.validateFrame(cut.setHumanAction(action(0f, 0f)).setSpeedMps(-1f).build())))
                .isEqualTo(RejectReason.INVALID_SPEED);
        assertThat(reasonOf(validator.validateFrame(cut.setSpeedMps(1f).setCaptureTimeMs(0).build())))
                .isEqualTo(RejectReason.CAPTURE_TIME_TOO_OLD);
        byte[] value = cut.setCaptureTimeMs(TestFrames.CAPTURE_TIME_MS).build().toByteArray();
        assertThat(reasonOf(validator.validate("other".getBytes(StandardCharsets.UTF_8), value)))
                .isEqualTo(RejectReason.KEY_MISMATCH);
        assertThat(metrics.decodes()).as("no decode was spent on a frame a cheap rule refused").isZero();

        assertThat(reasonOf(validator.validate("v".getBytes(StandardCharsets.UTF_8), value)))
                .isEqualTo(RejectReason.UNDECODABLE_IMAGE);
        assertThat(metrics.decodes()).isEqualTo(1);
    }

    @Test
    void decodedSizeMustMatchDeclaredSize() {
        // ImageIO reads the size from the same header ImageHeaders checked, so this guards against a
        // decoder (an ImageIO plugin on the classpath, say) that disagrees with the header reader.
        assertThat(FrameValidator.checkDecodedSize("frame f", ImageHeaders.Format.JPEG, 64, 64,
                new ImageDecoder.Decoded(64, 48))).contains(new Rejection(RejectReason.DECODED_SIZE_MISMATCH,
                "frame f: JPEG decodes to 64x48 px but the frame declares 64x64"));
        assertThat(FrameValidator.checkDecodedSize("frame f", ImageHeaders.Format.PNG, 64, 64,
                new ImageDecoder.Decoded(64, 64))).isEmpty();
    }

    @Test
    void speedMustBeFiniteAndWithinZeroAndTheLimit() {
        FrameEvent.Builder frame = TestFrames.pngFrame("f", "v");
        assertThat(validator.validateFrame(frame.setSpeedMps(100.5f).build())).isEqualTo(new Rejection(
                RejectReason.INVALID_SPEED,
                "frame f: speed_mps is 100.5; it must be finite and within [0, 100.0] (ingest.max-speed-mps)"));
        assertThat(reasonOf(validator.validateFrame(frame.setSpeedMps(-0.5f).build()))).isEqualTo(RejectReason.INVALID_SPEED);
        assertThat(reasonOf(validator.validateFrame(frame.setSpeedMps(Float.NaN).build()))).isEqualTo(RejectReason.INVALID_SPEED);
        assertThat(reasonOf(validator.validateFrame(frame.setSpeedMps(Float.POSITIVE_INFINITY).build())))
                .isEqualTo(RejectReason.INVALID_SPEED);
        assertThat(validator.validateFrame(frame.setSpeedMps(100f).build())).isInstanceOf(ValidationResult.Valid.class);
        assertThat(validator.validateFrame(frame.setSpeedMps(0f).build())).isInstanceOf(ValidationResult.Valid.class);
        FrameValidator slow = new FrameValidator(IngestConfig.defaults().withMaxSpeedMps(30), TestFrames.CLOCK, metrics);
        assertThat(reasonOf(slow.validateFrame(frame.setSpeedMps(30.5f).build()))).isEqualTo(RejectReason.INVALID_SPEED);
    }

    @Test
    void captureTimeMayLeadTheClockByTheSkewAndLagItByTheMaxAgeExactly() {
        long now = TestFrames.CLOCK.millis();
        FrameValidator strict = new FrameValidator(IngestConfig.defaults()
                .withCaptureTimeRange(Duration.ofMinutes(5), Duration.ofDays(30)), TestFrames.CLOCK, metrics);
        FrameEvent.Builder frame = TestFrames.pngFrame("f", "v");
        long skew = Duration.ofMinutes(5).toMillis();
        long age = Duration.ofDays(30).toMillis();

        assertThat(strict.validateFrame(frame.setCaptureTimeMs(now + skew).build())).isInstanceOf(ValidationResult.Valid.class);
        assertThat(strict.validateFrame(frame.setCaptureTimeMs(now - age).build())).isInstanceOf(ValidationResult.Valid.class);
        assertThat(strict.validateFrame(frame.setCaptureTimeMs(now + skew + 1).build())).isEqualTo(new Rejection(
                RejectReason.CAPTURE_TIME_IN_FUTURE, "frame f: capture_time_ms 1780000301001 (2026-05-28T20:31:41.001Z)"
                        + " is PT5M0.001S ahead of the ingest clock (2026-05-28T20:26:41Z), limit is PT5M"
                        + " (ingest.max-clock-skew); check the vehicle's clock"));
        assertThat(strict.validateFrame(frame.setCaptureTimeMs(now - age - 1).build())).isEqualTo(new Rejection(
                RejectReason.CAPTURE_TIME_TOO_OLD, "frame f: capture_time_ms 1777408000999 (2026-04-28T20:26:40.999Z)"
                        + " is older than PT720H before the ingest clock (2026-05-28T20:26:41Z) (ingest.max-capture-age);"
                        + " set capture_time_ms to when the frame was taken, in epoch milliseconds"));
    }

    @Test
    void extremeCaptureTimesAreRefusedWithoutOverflowing() {
        FrameEvent.Builder frame = TestFrames.pngFrame("f", "v");
        assertThat(reasonOf(validator.validateFrame(frame.setCaptureTimeMs(Long.MAX_VALUE).build())))
                .isEqualTo(RejectReason.CAPTURE_TIME_IN_FUTURE);
        assertThat(reasonOf(validator.validateFrame(frame.setCaptureTimeMs(Long.MIN_VALUE).build())))
                .isEqualTo(RejectReason.CAPTURE_TIME_TOO_OLD);
        assertThat(reasonOf(validator.validateFrame(frame.setCaptureTimeMs(0).build())))
                .as("an unset capture time").isEqualTo(RejectReason.CAPTURE_TIME_TOO_OLD);
        FrameValidator wide = new FrameValidator(IngestConfig.defaults().withCaptureTimeRange(
                Duration.ofMillis(Long.MAX_VALUE), Duration.ofMillis(Long.MAX_VALUE)), TestFrames.CLOCK, metrics);
        assertThat(wide.validateFrame(frame.setCaptureTimeMs(Long.MAX_VALUE).build())).isInstanceOf(ValidationResult.Valid.class);
    }

    private static DriverAction action(float steering, float acceleration) {
        return DriverAction.newBuilder().setSteering(steering).setAcceleration(acceleration).build();
    }

    private static RejectReason reasonOf(ValidationResult result) {
        assertThat(result).isInstanceOf(Rejection.class);
        return ((Rejection) result).reason();
    }
}
