package io.gleaner.scorer.model;

import io.gleaner.schema.v1.FrameEvent;
import java.util.List;

/**
 * What the scoring stage asks of a model on one stream thread: fill the slots of a batch with
 * frames, score the first slots in one forward pass, and score a known-good input to
 * tell a model that cannot run at all from frames it cannot score. {@link BatchPredictor} is the
 * production one; tests wrap it to inject faults (a model that throws on some frames, returns NaN,
 * or is slow) without touching Kafka or the database.
 *
 * <p>Not thread-safe: one per stream thread, like the predictor it wraps (which may run its forward
 * passes on a thread of its own, see {@link #submit}).
 */
public interface FramePredictor {
    /** The most frames one batch holds (its slots). */
    int batchSize();

    /** The device the model runs on, as every scored frame names it. */
    String device();

    /**
     * Decodes {@code frame}'s image into slot {@code slot} of the next batch.
     *
     * @throws IllegalArgumentException saying why the image cannot be used (the slot is then empty)
     */
    void decode(int slot, FrameEvent frame);

    /**
     * Scores slots {@code 0 .. count-1} (each must hold a frame) in one forward pass and returns
     * their scores in slot order.
     *
     * @throws RuntimeException when the model fails on this batch
     */
    List<FrameScore> score(int count);

    /**
     * Scores slots {@code 0 .. count-1} as {@link #score} does, but may return before the forward
     * pass ends: a predictor with a forward thread of its own ({@link BatchPredictor}) hands the
     * batch's input over to it and gives the caller fresh slots, so the next batch decodes while this
     * one runs. The handed-over slots count as empty afterwards. One batch at most is pending: the
     * next {@code submit}, {@link #score} or {@link #trial} waits for it, and its scores stay with
     * its {@link PendingScores} for whoever collects them. This default scores on the calling
     * thread before it returns.
     */
    default PendingScores submit(int count) {
        return PendingScores.now(() -> score(count));
    }

    /**
     * Scores {@code count} copies of an input every working model can score: zeros of the model's
     * input size, in slots {@code 0 .. count-1} (which then no longer hold frames). Trial inputs
     * leave no trace in later scores (the novelty reference bank does not keep them).
     *
     * @throws RuntimeException when the model cannot run at all
     */
    List<FrameScore> trial(int count);
}
