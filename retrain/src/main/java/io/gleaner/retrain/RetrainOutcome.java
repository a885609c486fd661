package io.gleaner.retrain;

import java.util.Locale;

/** How a retrain run ended; the values of {@code retrain_runs.outcome} once it has. */
public enum RetrainOutcome {
    /** The candidate passed the gate, went live and was published. */
    PROMOTED,
    /** The candidate did worse than the live model and stays out of service. */
    REJECTED,
    /** Training, saving or publishing threw; the detail says what. */
    FAILED;

    /** The {@code retrain_outcome} enum value in the database. */
    public String databaseValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
