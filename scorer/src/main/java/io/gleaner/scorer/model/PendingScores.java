package io.gleaner.scorer.model;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The scores of a batch handed to {@link FramePredictor#submit}: ready at once when the predictor
 * scored it on the calling thread, or once its forward thread is done with it.
 */
public final class PendingScores {
    private final CompletableFuture<List<FrameScore>> scores;
    private volatile long forwardNanos;

    private PendingScores(CompletableFuture<List<FrameScore>> scores) {
        this.scores = scores;
    }

    /** Scores {@code batch} on the calling thread before it returns; a failure is kept for {@link #await}. */
    static PendingScores now(Supplier<List<FrameScore>> batch) {
        PendingScores pending = new PendingScores(new CompletableFuture<>());
        pending.complete(batch);
        return pending;
    }

    /** A batch that could not even be handed over: {@link #await} throws {@code failure}. */
    public static PendingScores failed(RuntimeException failure) {
        return now(() -> {
            throw failure;
        });
    }

    /** Scores {@code batch} on {@code thread}. */
    static PendingScores on(Executor thread, Supplier<List<FrameScore>> batch) {
        PendingScores pending = new PendingScores(new CompletableFuture<>());
        thread.execute(() -> pending.complete(batch));
        return pending;
    }

    private void complete(Supplier<List<FrameScore>> batch) {
        long start = System.nanoTime();
        try {
            List<FrameScore> result = batch.get();
            forwardNanos = System.nanoTime() - start;
            scores.complete(result);
        } catch (RuntimeException | Error e) {
            forwardNanos = System.nanoTime() - start;
            scores.completeExceptionally(e);
        }
    }

    /** Whether {@link #await} returns without waiting. */
    public boolean isDone() {
        return scores.isDone();
    }

    /**
     * The batch's scores in slot order, waiting for the forward pass if it still runs.
     *
     * @throws RuntimeException what the forward pass threw, as {@link FramePredictor#score} would
     */
    public List<FrameScore> await() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return scores.get();
                } catch (InterruptedException e) {
                    // The forward pass reads buffers the caller reuses next: never leave before it ends.
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException failure) {
                        throw failure;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the forward pass to end, whatever its outcome, which stays for {@link #await}. */
    void join() {
        boolean interrupted = false;
        while (!scores.isDone()) {
            try {
                scores.get();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                // the failure stays for await(), to whoever collects this batch
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long the forward pass took, once {@link #isDone}: what batch pacing measures. */
    public long forwardNanos() {
        return forwardNanos;
    }
}
