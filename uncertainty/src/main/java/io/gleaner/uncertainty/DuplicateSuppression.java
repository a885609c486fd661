package io.gleaner.uncertainty;

import java.time.Duration;
import java.util.Objects;

/**
 * When the selection stage drops a frame as a near-duplicate: its embedding's cosine similarity
 * to a frame harvested from the same vehicle within {@code horizon} (by record time) is at least
 * {@code minSimilarity}. Consecutive video frames of one scene are near-identical, and a labeler
 * who saw one has nothing to add on the next.
 *
 * @param enabled whether frames are checked at all ({@code selection.dedup.enabled})
 * @param minSimilarity cosine similarity at or above which a frame is a duplicate, in (0, 1]
 *     ({@code selection.dedup.min-similarity})
 * @param horizon how long a harvested frame is remembered, positive ({@code selection.dedup.horizon})
 * @param perVehicle how many recent harvests per vehicle are remembered, in [1, 1000]; the oldest
 *     is forgotten first ({@code selection.dedup.per-vehicle})
 */
public record DuplicateSuppression(boolean enabled, double minSimilarity, Duration horizon, int perVehicle) {
    /** Most harvests remembered per vehicle: each check is a scan of them. */
    public static final int MAX_PER_VEHICLE = 1000;

    /** Validates every field; the message names the setting and its allowed range. */
    public DuplicateSuppression {
        Objects.requireNonNull(horizon, "horizon");
        if (!(minSimilarity > 0.0 && minSimilarity <= 1.0)) {
            throw new IllegalArgumentException("selection.dedup.min-similarity is " + minSimilarity
                    + "; it must be in (0, 1], e.g. 0.98 for near-identical frames");
        }
        if (horizon.isNegative() || horizon.isZero()) {
            throw new IllegalArgumentException("selection.dedup.horizon is " + horizon + "; it must be positive, e.g. PT1M");
        }
        if (perVehicle < 1 || perVehicle > MAX_PER_VEHICLE) {
            throw new IllegalArgumentException("selection.dedup.per-vehicle is " + perVehicle
                    + "; it must be in [1, " + MAX_PER_VEHICLE + "]");
        }
    }

    /**
     * Off, with the settings it would use when switched on: similarity 0.98 to any of the last 32
     * harvests of the vehicle within one minute. Off by default because the demo's simulated
     * embeddings have not been measured for it yet.
     */
    public static DuplicateSuppression defaults() {
        return new DuplicateSuppression(false, 0.98, Duration.ofMinutes(1), 32);
    }

    /** These settings, switched on. */
    public DuplicateSuppression on() {
        return new DuplicateSuppression(true, minSimilarity, horizon, perVehicle);
    }
}
