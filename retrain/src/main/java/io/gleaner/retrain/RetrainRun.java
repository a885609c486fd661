package io.gleaner.retrain;

import java.util.Map;
import java.util.Objects;

/**
 * One finished retrain run, as recorded in {@code retrain_runs}.
 *
 * @param runId the row's id
 * @param baseVersion the live version the candidate was fine-tuned from
 * @param candidateVersion the version the candidate was registered as
 * @param labelsUsed labels the candidate trained on (held-out ones and skipped bad ones not counted)
 * @param outcome promoted or rejected
 * @param metrics the candidate's metrics as the gate measured them
 * @param reason why the gate decided as it did
 */
public record RetrainRun(long runId, int baseVersion, int candidateVersion, int labelsUsed, RetrainOutcome outcome,
        Map<String, Double> metrics, String reason) {

    public RetrainRun {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        metrics = Map.copyOf(metrics);
    }
}
