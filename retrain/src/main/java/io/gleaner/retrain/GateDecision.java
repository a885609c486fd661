package io.gleaner.retrain;

import java.util.Map;
import java.util.Objects;

/**
 * What the {@link EvaluationGate} decided about a candidate, and on what numbers.
 *
 * @param promote true when the candidate may go live
 * @param candidateMetrics the candidate's metrics ({@link EvaluationGate#ACTION_MAE}, ...)
 * @param liveMetrics the live model's metrics on the same examples
 * @param reason one sentence a person can read: which set, which numbers, which way
 */
public record GateDecision(boolean promote, Map<String, Double> candidateMetrics, Map<String, Double> liveMetrics,
        String reason) {

    public GateDecision {
        candidateMetrics = Map.copyOf(candidateMetrics);
        liveMetrics = Map.copyOf(liveMetrics);
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * Whether the candidate passed the held-out labels and was stopped by the golden set: it learned
     * the harvested cases but drove the fleet's ordinary frames worse, so a smaller step from the
     * live model towards it may pass.
     */
    public boolean regressedOnGoldenSetOnly() {
        return !promote && candidateMetrics.containsKey(EvaluationGate.GOLDEN_ACTION_MAE);
    }
}
