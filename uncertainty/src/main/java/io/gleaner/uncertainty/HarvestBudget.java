package io.gleaner.uncertainty;

import java.time.Duration;
import java.util.Objects;

/**
 * How many edge cases the selection stage may write per time window: at most {@code perVehicle}
 * from any one vehicle and {@code fleet} in all. Over budget, the highest-priority frames of the
 * window are kept, never the first to come: harvested frames wait in a bounded buffer until their
 * window closes, then the best go out.
 *
 * <p>Windows are tumbling, aligned to the epoch, by record time; a window closes once a later
 * harvested frame arrives at least {@code grace} past its end (stream time), so a frame reaches
 * {@code edge-cases} up to one window plus grace after it was scored. A frame arriving for a
 * window already closed is dropped as late.
 *
 * @param enabled whether budgets apply ({@code selection.budget.enabled}); off, frames go out at once
 * @param perVehicle most edge cases per vehicle per window, at least 1 ({@code selection.budget.per-vehicle})
 * @param fleet most edge cases per window in all, at least 1 ({@code selection.budget.fleet})
 * @param window the window length, positive ({@code selection.budget.window})
 * @param grace how long past its end a window waits for late frames, at least 0 ({@code selection.budget.grace})
 */
public record HarvestBudget(boolean enabled, int perVehicle, int fleet, Duration window, Duration grace) {
    /** Validates every field; the message names the setting and its allowed range. */
    public HarvestBudget {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(grace, "grace");
        if (perVehicle < 1) {
            throw new IllegalArgumentException("selection.budget.per-vehicle is " + perVehicle + "; it must be at least 1");
        }
        if (fleet < 1) {
            throw new IllegalArgumentException("selection.budget.fleet is " + fleet + "; it must be at least 1");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("selection.budget.window is " + window + "; it must be positive, e.g. PT1H");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("selection.budget.grace is " + grace + "; it must be 0 or more, e.g. PT1M");
        }
    }

    /**
     * Off, with the settings it would use when switched on: 50 per vehicle and 500 in all per
     * hour, one minute of grace. Off by default because it holds frames back up to an hour, and
     * the demo's rounds wait for their harvest.
     */
    public static HarvestBudget defaults() {
        return new HarvestBudget(false, 50, 500, Duration.ofHours(1), Duration.ofMinutes(1));
    }

    /** These settings, switched on. */
    public HarvestBudget on() {
        return new HarvestBudget(true, perVehicle, fleet, window, grace);
    }
}
