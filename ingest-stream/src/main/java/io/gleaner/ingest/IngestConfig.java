package io.gleaner.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits the ingest stage enforces before it spends work on a record, the physical and temporal
 * ranges a frame must lie in, and how long it remembers frame ids for deduplication.
 *
 * @param maxMessageBytes largest accepted {@code frames.raw} value, checked before parsing
 *     ({@code ingest.max-message-bytes})
 * @param maxImageBytes largest accepted inline image payload ({@code ingest.max-image-bytes})
 * @param maxWidth widest accepted image in pixels, read from the image header
 *     ({@code ingest.max-width})
 * @param maxHeight tallest accepted image in pixels, read from the image header
 *     ({@code ingest.max-height})
 * @param dedupRetention how long a frame id is remembered; a frame re-sent later than this passes
 *     again ({@code ingest.dedup-retention})
 * @param maxSpeedMps highest plausible vehicle speed in m/s; {@code speed_mps} must be finite and in
 *     {@code [0, maxSpeedMps]} ({@code ingest.max-speed-mps})
 * @param maxClockSkew how far a capture time may lie ahead of the ingest clock, for vehicle clocks
 *     that run fast ({@code ingest.max-clock-skew})
 * @param maxCaptureAge how far a capture time may lie behind the ingest clock; older frames, an
 *     unset capture time (epoch 0) among them, are refused ({@code ingest.max-capture-age})
 */
public record IngestConfig(
        int maxMessageBytes,
        int maxImageBytes,
        int maxWidth,
        int maxHeight,
        Duration dedupRetention,
        double maxSpeedMps,
        Duration maxClockSkew,
        Duration maxCaptureAge) {

    /** Default {@code ingest.max-speed-mps}: 100 m/s (360 km/h), above any road vehicle's top speed. */
    public static final double DEFAULT_MAX_SPEED_MPS = 100.0;
    /** Default {@code ingest.max-clock-skew}: five minutes, generous for a fleet clock without NTP. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /**
     * Default {@code ingest.max-capture-age}: ten years. Recorded drives are replayed long after
     * capture (and the simulator stamps a fixed 2026 epoch so that its frames stay byte-identical),
     * so only what no fleet could have recorded, such as an unset capture time, is refused by default.
     */
    public static final Duration DEFAULT_MAX_CAPTURE_AGE = Duration.ofDays(3650);

    public IngestConfig {
        requirePositive(maxMessageBytes, "ingest.max-message-bytes");
        requirePositive(maxImageBytes, "ingest.max-image-bytes");
        requirePositive(maxWidth, "ingest.max-width");
        requirePositive(maxHeight, "ingest.max-height");
        requirePositive(dedupRetention, "ingest.dedup-retention", "PT1H");
        if (!Double.isFinite(maxSpeedMps) || maxSpeedMps <= 0) {
            throw new IllegalArgumentException("ingest.max-speed-mps is " + maxSpeedMps
                    + "; it must be a finite positive speed in m/s, e.g. " + DEFAULT_MAX_SPEED_MPS);
        }
        Objects.requireNonNull(maxClockSkew, "ingest.max-clock-skew must be set, e.g. PT5M");
        if (maxClockSkew.isNegative()) {
            throw new IllegalArgumentException(
                    "ingest.max-clock-skew is " + maxClockSkew + "; it must be zero or positive, e.g. PT5M");
        }
        requirePositive(maxCaptureAge, "ingest.max-capture-age", "P30D");
    }

    /**
     * The first five limits with the default speed and capture-time ranges
     * ({@link #DEFAULT_MAX_SPEED_MPS}, {@link #DEFAULT_MAX_CLOCK_SKEW}, {@link #DEFAULT_MAX_CAPTURE_AGE}).
     */
    public IngestConfig(int maxMessageBytes, int maxImageBytes, int maxWidth, int maxHeight, Duration dedupRetention) {
        this(maxMessageBytes, maxImageBytes, maxWidth, maxHeight, dedupRetention,
                DEFAULT_MAX_SPEED_MPS, DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_CAPTURE_AGE);
    }

    /**
     * 2 MiB messages, 1 MiB images, 1024x1024 pixels, frame ids remembered for one hour, speeds up
     * to 100 m/s, capture times from ten years ago to five minutes ahead.
     */
    public static IngestConfig defaults() {
        return new IngestConfig(2 * 1024 * 1024, 1024 * 1024, 1024, 1024, Duration.ofHours(1));
    }

    /** This config with {@code ingest.max-message-bytes} replaced. */
    public IngestConfig withMaxMessageBytes(int newMaxMessageBytes) {
        return new IngestConfig(newMaxMessageBytes, maxImageBytes, maxWidth, maxHeight, dedupRetention,
                maxSpeedMps, maxClockSkew, maxCaptureAge);
    }

    /** This config with {@code ingest.max-clock-skew} and {@code ingest.max-capture-age} replaced. */
    public IngestConfig withCaptureTimeRange(Duration newMaxClockSkew, Duration newMaxCaptureAge) {
        return new IngestConfig(maxMessageBytes, maxImageBytes, maxWidth, maxHeight, dedupRetention,
                maxSpeedMps, newMaxClockSkew, newMaxCaptureAge);
    }

    /** This config with {@code ingest.max-speed-mps} replaced. */
    public IngestConfig withMaxSpeedMps(double newMaxSpeedMps) {
        return new IngestConfig(maxMessageBytes, maxImageBytes, maxWidth, maxHeight, dedupRetention,
                newMaxSpeedMps, maxClockSkew, maxCaptureAge);
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be a positive number");
        }
    }

    private static void requirePositive(Duration value, String name, String example) {
        Objects.requireNonNull(value, name + " must be set, e.g. " + example);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be positive, e.g. " + example);
        }
    }
}
