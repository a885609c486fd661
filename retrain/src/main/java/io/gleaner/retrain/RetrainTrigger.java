package io.gleaner.retrain;

import java.util.Locale;

/** What started a retrain run; the values of {@code retrain_runs.trigger}. */
public enum RetrainTrigger {
    /** At least {@link RetrainTriggers#minNewLabels()} labels arrived since the last finished run. */
    NEW_LABELS,
    /** {@link RetrainTriggers#every()} passed since the last finished run and some labels arrived. */
    SCHEDULE,
    /** The harvest rate jumped far above its baseline ({@link DriftAlarm}) and some labels arrived. */
    DRIFT,
    /** An admin asked for it ({@code POST /api/v1/retrain}). */
    MANUAL;

    /** The {@code retrain_trigger} enum value in the database. */
    public String databaseValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
