package io.gleaner.ingest;

import com.google.protobuf.ByteString;
import io.gleaner.ingest.poison.PoisonZoo;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.imageio.ImageIO;

/** Frames and image headers built byte by byte, so tests control exactly what ingest sees. */
final class TestFrames {
    private TestFrames() {}

    /** When every test frame was captured: 2026-05-28T20:26:40Z. */
    static final long CAPTURE_TIME_MS = 1_780_000_000_000L;
    /** The ingest clock of the tests: one second after {@link #CAPTURE_TIME_MS}, fixed. */
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(CAPTURE_TIME_MS + 1_000), ZoneOffset.UTC);
    private static final byte[] PNG_64 = png(64, 64);

    /**
     * The first 33 bytes of a PNG declaring {@code width x height}; widths past {@code int} are
     * written as their low 32 bits, as a hostile sender would.
     */
    static byte[] pngHeader(long width, long height) {
        return PoisonZoo.pngHeader((int) width, (int) height);
    }

    /** A JPEG start: SOI, an APP0 segment, then a SOFn segment declaring {@code width x height}. */
    static byte[] jpegHeader(int sofMarker, int width, int height) {
        return new byte[] {
            (byte) 0xFF, (byte) 0xD8,
            (byte) 0xFF, (byte) 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
            (byte) 0xFF, (byte) sofMarker, 0x00, 0x11, 8,
            (byte) (height >> 8), (byte) height, (byte) (width >> 8), (byte) width,
            3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1
        };
    }

    /** A whole PNG of {@code width x height} px that ImageIO decodes. */
    static byte[] png(int width, int height) {
        return encode(gradient(width, height), "png");
    }

    /** A whole JPEG of {@code width x height} px that ImageIO decodes. */
    static byte[] jpeg(int width, int height) {
        return encode(gradient(width, height), "jpeg");
    }

    /** A valid frame with a whole 64x64 PNG, captured at {@link #CAPTURE_TIME_MS}. */
    static FrameEvent.Builder pngFrame(String frameId, String vehicleId) {
        return frame(frameId, vehicleId, ImageEncoding.IMAGE_ENCODING_PNG, 64, 64, PNG_64);
    }

    private static BufferedImage gradient(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | 0x40);
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, format, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FrameEvent.Builder frame(
            String frameId, String vehicleId, ImageEncoding encoding, int width, int height, byte[] data) {
        return FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId(vehicleId)
                .setCamera("front")
                .setCaptureTimeMs(CAPTURE_TIME_MS)
                .setImage(Image.newBuilder()
                        .setEncoding(encoding)
                        .setWidth(width)
                        .setHeight(height)
                        .setChannels(3)
                        .setData(ByteString.copyFrom(data)))
                .setHumanAction(DriverAction.newBuilder().setSteering(0.25f).setAcceleration(-0.5f));
    }
}
