package io.gleaner.ingest;

import java.util.Objects;

/**
 * A record that failed validation.
 *
 * @param reason the stable reason code
 * @param detail one sentence naming the frame, what was wrong and the limit or rule that applied
 * @param exception class name of the exception that was caught, or empty when none was
 */
public record Rejection(RejectReason reason, String detail, String exception) implements ValidationResult {

    public Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(exception, "exception (use the two-argument constructor when none was caught)");
    }

    /** A rejection found by a rule check, with no exception involved. */
    public Rejection(RejectReason reason, String detail) {
        this(reason, detail, "");
    }
}
