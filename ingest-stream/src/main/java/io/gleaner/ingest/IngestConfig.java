package io.gleaner.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits the ingest stage enforces before it spends work on a record, and how long it remembers
 * frame ids for deduplication.
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
 */
public record IngestConfig(
        int maxMessageBytes, int maxImageBytes, int maxWidth, int maxHeight, Duration dedupRetention) {

    public IngestConfig {
        requirePositive(maxMessageBytes, "ingest.max-message-bytes");
        requirePositive(maxImageBytes, "ingest.max-image-bytes");
        requirePositive(maxWidth, "ingest.max-width");
        requirePositive(maxHeight, "ingest.max-height");
        Objects.requireNonNull(dedupRetention, "ingest.dedup-retention must be set");
        if (dedupRetention.isNegative() || dedupRetention.isZero()) {
            throw new IllegalArgumentException(
                    "ingest.dedup-retention is " + dedupRetention + "; it must be positive, e.g. PT1H");
        }
    }

    /** 2 MiB messages, 1 MiB images, 1024x1024 pixels, frame ids remembered for one hour. */
    public static IngestConfig defaults() {
        return new IngestConfig(2 * 1024 * 1024, 1024 * 1024, 1024, 1024, Duration.ofHours(1));
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be a positive number");
        }
    }
}
