package io.gleaner.scorer;

import io.gleaner.schema.v1.ScoredFrame;

/** What the scoring processor emits per buffered frame: its score, or the frame it could not score. */
sealed interface ScorerOutput {
    /** A frame the model scored, bound for {@code frames.scored}. */
    record Scored(ScoredFrame frame) implements ScorerOutput {}

    /**
     * A frame that could not be scored (not a frame, an image the model cannot preprocess, a frame
     * the model fails on, or NaN or infinite outputs), bound for {@code frames.dlq} with its
     * {@code FrameEvent} bytes; the DLQ headers, with the reason, are on the record.
     */
    record Unscorable(byte[] frame) implements ScorerOutput {}
}
