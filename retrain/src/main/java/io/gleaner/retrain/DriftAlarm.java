package io.gleaner.retrain;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The drift trigger's alarm: the rate at which the selection stage harvests tasks into the queue
 * (tasks per hour, read from {@code edge_case_tasks.harvested_at}) over the last {@link #window()}
 * is at least {@link #factor()} times its rate over the {@link #baseline()} before that window.
 *
 * <p>What it measures, and what not: more harvested frames per hour means more frames crossed the
 * selection's fixed thresholds or matched a campaign (a new road, weather or camera the model is
 * unsure about), or simply that the fleet sent more frames; it cannot tell those apart, and a
 * selection tuned to a fixed top fraction of each window keeps the rate flat whatever happens. It is
 * a cheap smoke alarm from what PostgreSQL already holds, not a statistical test on the embeddings.
 *
 * @param enabled whether the drift trigger is on at all
 * @param window the recent window, at least a minute
 * @param baseline the trailing window before {@code window} the rate is compared with, longer than {@code window}
 * @param factor how many times the baseline rate the recent rate must reach, &gt; 1
 * @param minRecentTasks tasks that must have been harvested in the window, so that a handful of
 *     frames after a quiet night does not sound the alarm, ≥ 1
 */
public record DriftAlarm(boolean enabled, Duration window, Duration baseline, double factor, int minRecentTasks) {

    public DriftAlarm {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(baseline, "baseline");
        if (window.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("retrain.drift.window is " + window + "; it must be at least PT1M");
        }
        if (baseline.compareTo(window) <= 0) {
            throw new IllegalArgumentException("retrain.drift.baseline is " + baseline + " but the window is " + window
                    + "; the baseline must be longer than the window, e.g. P1D against PT1H");
        }
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("retrain.drift.factor is " + factor
                    + "; it must be a finite number above 1, e.g. 3");
        }
        if (minRecentTasks < 1) {
            throw new IllegalArgumentException("retrain.drift.min-recent-tasks is " + minRecentTasks
                    + "; it must be at least 1");
        }
    }

    /** Off; were it on: one hour against the 24 hours before, 3×, at least 20 tasks in the hour. */
    public static DriftAlarm defaults() {
        return new DriftAlarm(false, Duration.ofHours(1), Duration.ofHours(24), 3.0, 20);
    }

    public DriftAlarm on() {
        return new DriftAlarm(true, window, baseline, factor, minRecentTasks);
    }

    /**
     * Tasks harvested in the two windows ending now.
     *
     * @param recent tasks harvested in the last {@link #window()}
     * @param baseline tasks harvested in the {@link #baseline()} before that
     */
    public record HarvestCounts(long recent, long baseline) {
        public HarvestCounts {
            if (recent < 0 || baseline < 0) {
                throw new IllegalArgumentException("harvest counts are " + recent + " and " + baseline
                        + "; counts cannot be negative");
            }
        }
    }

    /**
     * Why the alarm sounds for these counts, or empty when it does not (or is off). Without a
     * single task in the baseline there is no rate to compare with, and the alarm stays quiet.
     */
    public Optional<String> check(HarvestCounts counts) {
        if (!enabled || counts.recent() < minRecentTasks || counts.baseline() == 0) {
            return Optional.empty();
        }
        double recentRate = counts.recent() / hours(window);
        double baselineRate = counts.baseline() / hours(baseline);
        if (recentRate < factor * baselineRate) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT,
                "harvest rate %.1f tasks/h over the last %s is %.1fx the %.1f tasks/h of the %s before (alarm at %.1fx)",
                recentRate, window, recentRate / baselineRate, baselineRate, baseline, factor));
    }

    private static double hours(Duration duration) {
        return duration.toMillis() / 3_600_000.0;
    }
}
