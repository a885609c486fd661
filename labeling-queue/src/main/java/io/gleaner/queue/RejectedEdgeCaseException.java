package io.gleaner.queue;

import java.util.Objects;

/**
 * An edge case that can never become a task, whatever is retried: it has no frame id or image,
 * its fields disagree, or PostgreSQL refused its values as bad data (SQL state class {@code 22},
 * data exception, e.g. U+0000 in a text; or class {@code 54}, program limit exceeded, e.g. a
 * frame id too long for its index). The sink sends such a record to {@code frames.dlq}
 * instead of failing the stream task, which would retry it forever.
 *
 * <p>Extends {@link IllegalArgumentException} so that callers that already treat an invalid
 * edge case as bad input keep doing so; {@link #reason()} is the stable reason code for
 * {@code gleaner.dlq.reason}.
 */
public class RejectedEdgeCaseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Reason code: the edge case has no frame id. */
    public static final String NO_FRAME_ID = "edge-case-no-frame-id";
    /** Reason code: the edge case has neither image bytes nor an image URI. */
    public static final String NO_IMAGE = "edge-case-no-image";
    /** Reason code: the edge case's fields disagree, e.g. classes and probabilities. */
    public static final String INCONSISTENT = "edge-case-inconsistent";
    /** Reason code: PostgreSQL rejected a value (SQL state class 22 or 54). */
    public static final String REFUSED_BY_DATABASE = "edge-case-refused-by-database";

    private final String reason;

    public RejectedEdgeCaseException(String reason, String message) {
        this(reason, message, null);
    }

    public RejectedEdgeCaseException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** A short, stable code saying why, e.g. {@value #NO_IMAGE}. */
    public String reason() {
        return reason;
    }
}
