package io.gleaner.ingest;

/**
 * What {@link ValidateAndDedupProcessor} hands to the routing branches of {@link IngestTopology}:
 * whether the record was accepted, and its value exactly as it arrived on {@code frames.raw}. Both
 * outputs carry those original bytes: a rejected record goes to the DLQ as sent, and an accepted
 * one was proven to be a valid {@code FrameEvent}, so re-encoding its parsed form would only cost
 * a copy of the image per frame and drop nothing but fields this version does not know.
 */
record Verdict(boolean accepted, byte[] originalValue) {

    static Verdict accept(byte[] originalValue) {
        return new Verdict(true, originalValue);
    }

    static Verdict reject(byte[] originalValue) {
        return new Verdict(false, originalValue);
    }
}
