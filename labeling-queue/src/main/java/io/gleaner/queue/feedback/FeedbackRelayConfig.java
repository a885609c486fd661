package io.gleaner.queue.feedback;

import io.gleaner.queue.FinalLabelFeed;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link LabelFeedbackRelay} runs.
 *
 * @param transactionalId the Kafka transactional id of the relay's producer; one relay per id runs
 *     at a time (a second one fences the first), so every deployment has exactly one id
 * @param pageSize final labels read and published per transaction, 1 .. 10,000
 * @param interval how long the relay waits for new labels after it has caught up; positive
 * @param errorRule when a label shows the model wrong
 */
public record FeedbackRelayConfig(String transactionalId, int pageSize, Duration interval, ModelErrorRule errorRule) {
    /** The transactional id of {@link #defaults()}. */
    public static final String DEFAULT_TRANSACTIONAL_ID = "gleaner-label-feedback-relay";

    public FeedbackRelayConfig {
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("feedback relay transactional id is blank: give one, e.g. "
                    + DEFAULT_TRANSACTIONAL_ID);
        }
        if (pageSize < 1 || pageSize > FinalLabelFeed.MAX_PAGE) {
            throw new IllegalArgumentException("feedback relay page size is " + pageSize + "; it must be 1 .. "
                    + FinalLabelFeed.MAX_PAGE + ", e.g. 500");
        }
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("feedback relay interval is " + interval
                    + "; it must be positive, e.g. PT2S");
        }
        Objects.requireNonNull(errorRule, "errorRule");
    }

    /** Transactional id {@value #DEFAULT_TRANSACTIONAL_ID}, 500 labels a transaction, every 2 s, the default error rule. */
    public static FeedbackRelayConfig defaults() {
        return new FeedbackRelayConfig(DEFAULT_TRANSACTIONAL_ID, 500, Duration.ofSeconds(2), ModelErrorRule.defaults());
    }
}
