package io.gleaner.scorer;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * How many frames the next batch of one task takes so that it stays within
 * {@link ScorerConfig#maxBatchTime()}, from the latency of the latest batches.
 *
 * <p>A batch of {@code frames} frames runs a forward pass of {@code rows(frames)} rows (the
 * predictor pads to a few row counts, see {@code BatchPredictor.paddedRows}), and it is the rows
 * that cost. A batch's latency is fitted as {@code fixed + perRow × rows}: least squares over the
 * fastest of the last {@link #SAMPLES} batches of each row count (a loaded machine only ever adds
 * time, and a hiccup on one large batch must not make a model whose cost hardly depends on the rows,
 * such as one on a GPU, look as if it cost per row). While those batches all had the same number of
 * rows they say nothing about the split: the last fitted per-row cost is kept and the fixed part
 * follows the latency, or, before any fit, all of the latency is taken as per-row, which shrinks the
 * batch when in doubt.
 *
 * <p>The next batch takes as many frames as fit in the budget, between 1 and the batch size, and
 * no more than its rows hold: a batch of frames that only a larger row count holds would cost that
 * row count. When not even one frame fits, a batch may take up to one row's cost plus the fixed
 * cost once more: a model whose cost is mostly fixed costs about the same for 1 frame as for a full
 * batch, and smaller batches would only cut its throughput, while a model that costs per row still
 * gets 1 frame. {@link #overBudget()} then says so, for a warning that the batch size or the model
 * must change.
 *
 * <p>Batches held below the batch size would only ever show the fit small sizes, where noise on a
 * loaded machine can pass for a per-row cost; so every {@link #EXPLORE_EVERY}th batch takes twice
 * as many frames (at most the batch size), which either confirms the cost or lets the batch grow
 * back. Pure logic.
 */
final class BatchPacing {
    /** Batches the fit looks back over. */
    static final int SAMPLES = 16;
    /** Every this many batches below the batch size, one takes twice the frames. */
    static final int EXPLORE_EVERY = 8;

    private final int batchSize;
    private final long budgetNanos;
    private final IntUnaryOperator rowsForFrames;
    private final int[] rows = new int[SAMPLES];
    private final long[] nanos = new long[SAMPLES];
    private int next;
    private int count;
    private int framesPerBatch;
    private double fixedNanos;
    private double perRowNanos;
    // Whether batches of different row counts have been seen, so that the per-row cost is a fit.
    private boolean fitted;
    private int sinceExploration;

    /**
     * @param rowsForFrames the rows of the forward pass of a batch of so many frames: at least the
     *     frames, at most the batch size, never fewer for more frames
     */
    BatchPacing(int batchSize, long budgetNanos, IntUnaryOperator rowsForFrames) {
        if (batchSize < 1 || budgetNanos < 1) {
            throw new IllegalArgumentException("batchSize " + batchSize + " and budgetNanos " + budgetNanos
                    + " must be positive");
        }
        this.batchSize = batchSize;
        this.budgetNanos = budgetNanos;
        this.rowsForFrames = rowsForFrames;
        this.framesPerBatch = batchSize;
    }

    /** Records that a batch of {@code batchFrames} frames took {@code batchNanos}, and sizes the next. */
    void measured(int batchFrames, long batchNanos) {
        if (batchFrames < 1 || batchFrames > batchSize) {
            throw new IllegalArgumentException("a batch holds 1.." + batchSize + " frames, not " + batchFrames);
        }
        rows[next] = rowsForFrames.applyAsInt(batchFrames);
        nanos[next] = Math.max(0, batchNanos);
        next = (next + 1) % SAMPLES;
        count = Math.min(count + 1, SAMPLES);
        fit();
        framesPerBatch = fitting();
        if (framesPerBatch < batchSize && ++sinceExploration >= EXPLORE_EVERY) {
            sinceExploration = 0;
            framesPerBatch = Math.min(batchSize, 2 * framesPerBatch);
        }
    }

    /** Frames the next batch takes. */
    int framesPerBatch() {
        return framesPerBatch;
    }

    /** The latency the fit expects of a batch of {@code batchFrames} frames; 0 before any batch. */
    long expectedNanos(int batchFrames) {
        return Math.round(Math.max(0, fixedNanos + perRowNanos * rowsForFrames.applyAsInt(batchFrames)));
    }

    /** Whether even one frame is expected to take longer than the budget. */
    boolean overBudget() {
        return count > 0 && expectedNanos(1) > budgetNanos;
    }

    /** The fitted latency per row of the forward pass in milliseconds, for logs. */
    double perRowMillis() {
        return perRowNanos / 1e6;
    }

    /** The fitted fixed latency per batch in milliseconds, for logs. */
    double fixedMillis() {
        return fixedNanos / 1e6;
    }

    private void fit() {
        // The fastest batch of each row count among the samples: the points the line is fitted through.
        Map<Integer, Long> fastest = new HashMap<>();
        for (int i = 0; i < count; i++) {
            fastest.merge(rows[i], nanos[i], Math::min);
        }
        double meanRows = 0;
        double meanNanos = 0;
        for (Map.Entry<Integer, Long> point : fastest.entrySet()) {
            meanRows += point.getKey();
            meanNanos += point.getValue();
        }
        meanRows /= fastest.size();
        meanNanos /= fastest.size();
        if (fastest.size() == 1) {
            if (!fitted) {
                perRowNanos = meanNanos / meanRows;
            }
            fixedNanos = Math.max(0, meanNanos - perRowNanos * meanRows);
            return;
        }
        double covariance = 0;
        double variance = 0;
        for (Map.Entry<Integer, Long> point : fastest.entrySet()) {
            covariance += (point.getKey() - meanRows) * (point.getValue() - meanNanos);
            variance += (point.getKey() - meanRows) * (point.getKey() - meanRows);
        }
        fitted = true;
        perRowNanos = Math.max(0, covariance / variance);
        fixedNanos = Math.max(0, meanNanos - perRowNanos * meanRows);
    }

    /** The most frames whose rows fit in the budget, at least 1. */
    private int fitting() {
        if (perRowNanos <= 0) {
            return batchSize;
        }
        double allowed = Math.max(budgetNanos, 2 * fixedNanos + perRowNanos);
        int maxRows = (int) Math.max(1, Math.min(batchSize, Math.floor((allowed - fixedNanos) / perRowNanos)));
        int frames = maxRows;
        while (frames > 1 && rowsForFrames.applyAsInt(frames) > maxRows) {
            frames--;
        }
        return frames;
    }
}
