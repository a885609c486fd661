package io.gleaner.retrain;

import java.time.Instant;
import java.util.Objects;

/**
 * A retrain an admin asked for ({@code retrain_requests}), still waiting for a run.
 *
 * @param requestId the row's id
 * @param requestedBy the admin's labeler id
 * @param reason what the admin wrote
 * @param requestedAt when
 */
public record RetrainRequest(long requestId, String requestedBy, String reason, Instant requestedAt) {
    public RetrainRequest {
        Objects.requireNonNull(requestedBy, "requestedBy");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }
}
