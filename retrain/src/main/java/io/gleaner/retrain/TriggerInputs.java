package io.gleaner.retrain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the triggers look at, read from PostgreSQL in one go by {@link RetrainService} (all times
 * on the database's clock); {@link RetrainTriggers#decide} is pure on it.
 *
 * @param now the database's clock
 * @param newLabels labels after the highest label id a finished (promoted or rejected) run used
 * @param lastFinishedRun when the last promoted or rejected run of the model ended, or null when none has
 * @param liveSince when the live version was registered: the schedule's start before any run finished
 * @param harvest tasks harvested in the drift alarm's two windows
 * @param pendingRequests admin requests not yet answered, oldest first
 */
public record TriggerInputs(Instant now, long newLabels, Instant lastFinishedRun, Instant liveSince,
        DriftAlarm.HarvestCounts harvest, List<RetrainRequest> pendingRequests) {

    public TriggerInputs {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(liveSince, "liveSince");
        Objects.requireNonNull(harvest, "harvest");
        pendingRequests = List.copyOf(pendingRequests);
        if (newLabels < 0) {
            throw new IllegalArgumentException("new labels is " + newLabels + "; it cannot be negative");
        }
    }
}
