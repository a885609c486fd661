package io.gleaner.ingest;

import io.gleaner.schema.v1.FrameEvent;

/**
 * What {@link ValidateAndDedupProcessor} hands to the routing branches of {@link IngestTopology}:
 * the accepted frame, or the rejected record's original value (its DLQ headers already set).
 */
record Verdict(FrameEvent frame, byte[] originalValue) {

    static Verdict accept(FrameEvent frame) {
        return new Verdict(frame, null);
    }

    static Verdict reject(byte[] originalValue) {
        return new Verdict(null, originalValue);
    }

    boolean accepted() {
        return frame != null;
    }
}
