package io.gleaner.retrain;

import java.util.List;
import java.util.Objects;

/**
 * A trigger fired: a run should start.
 *
 * @param trigger which one, as {@code retrain_runs.trigger} records it
 * @param reason why, as {@code retrain_runs.reason} records it
 * @param answeredRequests the pending admin requests this run answers (empty unless {@code MANUAL})
 */
public record TriggerDecision(RetrainTrigger trigger, String reason, List<Long> answeredRequests) {
    public TriggerDecision {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(reason, "reason");
        answeredRequests = List.copyOf(answeredRequests);
    }
}
