package io.gleaner.scorer;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counters of one scorer instance, summed over its stream tasks, for the app's metrics endpoint.
 * Thread-safe; readers see each value as of some recent moment.
 */
public final class ScorerMetrics {
    /** How many of the latest batch latencies {@link #recentBatchLatenciesMillis} can return. */
    public static final int LATENCY_RING = 16_384;

    private final ModelHolder holder;
    private final AtomicLong framesScored = new AtomicLong();
    private final AtomicLong framesSkipped = new AtomicLong();
    private final AtomicLong modelFailedFrames = new AtomicLong();
    private final AtomicLong nonFiniteFrames = new AtomicLong();
    private final AtomicLong framesWaiting = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong lastBatchLatencyNanos = new AtomicLong();
    private final AtomicLong modelLoadFailures = new AtomicLong();
    private final AtomicLong batchFailures = new AtomicLong();
    private final AtomicLong bufferLimitWarnings = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private final AtomicLong forwardNanos = new AtomicLong();
    private final AtomicReference<String> lastModelLoadError = new AtomicReference<>("");
    // The latest batch latencies, oldest overwritten first, for percentiles.
    private final long[] latencyRing = new long[LATENCY_RING];
    private long latenciesRecorded;

    /** Metrics of the instance that serves the models of {@code holder}. */
    public ScorerMetrics(ModelHolder holder) {
        this.holder = Objects.requireNonNull(holder, "holder");
    }

    /** Frames written to {@code frames.scored}. */
    public long framesScored() {
        return framesScored.get();
    }

    /**
     * Frames sent to {@code frames.dlq} instead of scored, for any reason: not a frame, an image the
     * model cannot preprocess, {@link #modelFailedFrames() the model failing on it}, or
     * {@link #nonFiniteFrames() a NaN or infinite output}.
     */
    public long framesSkipped() {
        return framesSkipped.get();
    }

    /** Frames the model threw on alone (found by re-running a failed batch in parts), sent to {@code frames.dlq}. */
    public long modelFailedFrames() {
        return modelFailedFrames.get();
    }

    /** Frames for which the model gave a NaN or infinite output, sent to {@code frames.dlq}. */
    public long nonFiniteFrames() {
        return nonFiniteFrames.get();
    }

    /**
     * Frames buffered and not yet scored, summed over this instance's tasks: high while no model is
     * served or a backlog drains (see {@link ScorerConfig#maxBufferedFrames()}).
     */
    public long framesWaiting() {
        return framesWaiting.get();
    }

    /** Inference calls made. */
    public long batches() {
        return batches.get();
    }

    /** Wall-clock milliseconds the last batch took, from preprocessing to the last output. */
    public double lastBatchLatencyMillis() {
        return lastBatchLatencyNanos.get() / 1e6;
    }

    /**
     * Failed attempts to bring in a model version: refused for good (bad digest, unreadable
     * artifact, failed trial or batch prediction) or failed for a reason that may pass and is retried.
     */
    public long modelLoadFailures() {
        return modelLoadFailures.get();
    }

    /**
     * Batch predictions that threw. Each is re-run in parts to find the frames the model fails on;
     * only a model that fails its trial input or most frames is retired (counted in
     * {@link #modelLoadFailures()}, its version refused).
     */
    public long batchFailures() {
        return batchFailures.get();
    }

    /**
     * Warnings logged (at most one a minute per task) that a task holds more than
     * {@link ScorerConfig#maxBufferedFrames()} frames; rising means nothing is scoring them.
     */
    public long bufferLimitWarnings() {
        return bufferLimitWarnings.get();
    }

    /** Why the last model update failed to load or was refused, {@code ""} if none did. */
    public String lastModelLoadError() {
        return lastModelLoadError.get();
    }

    /** The model version now served, {@code ""} when none. */
    public String modelVersion() {
        return holder.currentVersion();
    }

    /**
     * The latency, in milliseconds, of each of the last {@code count} batches (at most
     * {@link #LATENCY_RING}, fewer if fewer were scored), oldest first.
     */
    public synchronized double[] recentBatchLatenciesMillis(int count) {
        int n = (int) Math.min(Math.min(count, LATENCY_RING), latenciesRecorded);
        double[] out = new double[Math.max(0, n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = latencyRing[(int) ((latenciesRecorded - n + i) % LATENCY_RING)] / 1e6;
        }
        return out;
    }

    /**
     * Seconds the stream threads spent parsing frames and decoding their images into batches. With
     * {@link #forwardSeconds()} it tells which side bounds the stage: the one whose total grows by
     * about a second a second (per stream thread) is the one to give a core, or a GPU.
     */
    public double decodeSeconds() {
        return decodeNanos.get() / 1e9;
    }

    /** Seconds of forward passes over batches of frames (on the predictors' forward threads). */
    public double forwardSeconds() {
        return forwardNanos.get() / 1e9;
    }

    void batchDecoded(long nanos) {
        decodeNanos.addAndGet(nanos);
    }

    void forwardPassed(long nanos) {
        forwardNanos.addAndGet(nanos);
    }

    void batchScored(int scored, long nanos) {
        synchronized (this) {
            latencyRing[(int) (latenciesRecorded++ % LATENCY_RING)] = nanos;
        }
        lastBatchLatencyNanos.set(nanos);
        batches.incrementAndGet();
        framesScored.addAndGet(scored);
    }

    void frameSkipped() {
        framesSkipped.incrementAndGet();
    }

    void modelFailedOnFrame() {
        modelFailedFrames.incrementAndGet();
    }

    void nonFiniteOutput() {
        nonFiniteFrames.incrementAndGet();
    }

    void batchFailed() {
        batchFailures.incrementAndGet();
    }

    void bufferLimitWarned() {
        bufferLimitWarnings.incrementAndGet();
    }

    void waitingChanged(long delta) {
        framesWaiting.addAndGet(delta);
    }

    void modelLoadFailed(String reason) {
        modelLoadFailures.incrementAndGet();
        lastModelLoadError.set(reason);
    }
}
