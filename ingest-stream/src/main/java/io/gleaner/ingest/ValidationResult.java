package io.gleaner.ingest;

import io.gleaner.schema.v1.FrameEvent;
import java.util.Objects;

/**
 * What {@link FrameValidator} decided about one record: either the parsed {@link Valid frame} or a
 * {@link Rejection} saying why not.
 */
public sealed interface ValidationResult permits ValidationResult.Valid, Rejection {

    /** The record is a well-formed frame within every limit. */
    record Valid(FrameEvent frame) implements ValidationResult {
        public Valid {
            Objects.requireNonNull(frame, "frame");
        }
    }
}
