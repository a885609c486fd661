package io.gleaner.scorer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Tells a poison frame (one the model throws on) from a broken model, and finds the poison frames
 * of a batch without giving up the rest of it.
 *
 * <p>The batch is scored whole first. When that throws, a known-good trial input is scored: if the
 * trial throws too, the model cannot run at all and {@link ModelCannotRun} is thrown, with no frame
 * blamed. Otherwise the batch is split in halves and each half scored, splitting again only the
 * parts that throw, down to single frames: a batch of {@code n} frames with one poison frame costs
 * {@code 2 + 2·⌈log2 n⌉} calls, one with {@code p} poison frames at most {@code 2 + 2·p·⌈log2 n⌉},
 * and a batch that fails on every frame {@code 2n} (so {@link #search} stops as soon as more than
 * {@code maxFailures} frames failed). The frames that throw on their own are the poison; every other
 * frame keeps the score it got in the part that passed. Pure logic: the model is behind
 * {@link Attempt}, so tests count the calls.
 */
final class PoisonFrameSearch {
    private PoisonFrameSearch() {}

    /** Scores the batch frames at {@code frames} (indices into the batch, ascending), in that order. */
    @FunctionalInterface
    interface Attempt<R> {
        /** @throws RuntimeException when the model fails on these frames together */
        List<R> score(List<Integer> frames);
    }

    /**
     * What the search found.
     *
     * @param scores per batch index, its score; null for a poison frame
     * @param poison per poison frame's batch index, what the model threw when scoring it alone
     * @param calls model calls made, the trial included
     * @param firstFailure what the whole batch threw, null when it passed at once
     */
    record Outcome<R>(List<R> scores, Map<Integer, RuntimeException> poison, int calls, RuntimeException firstFailure) {
        /** Whether the whole batch scored at the first call. */
        boolean passedWhole() {
            return firstFailure == null;
        }
    }

    /**
     * The model failed the trial input too, or more than the allowed frames of one batch: it is the
     * model that is broken, not the frames.
     */
    static final class ModelCannotRun extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ModelCannotRun(String message, RuntimeException cause) {
            super(message, cause);
        }
    }

    /**
     * Scores a batch of {@code size} frames and isolates the ones the model throws on.
     *
     * @param maxFailures how many poison frames one batch may hold before the model, not the frames,
     *     is blamed (at least 1)
     * @throws ModelCannotRun when the trial throws after the batch did, or more than {@code maxFailures}
     *     frames fail alone
     */
    static <R> Outcome<R> search(int size, Attempt<R> attempt, Runnable trial, int maxFailures) {
        if (size < 1) {
            throw new IllegalArgumentException("a batch holds at least 1 frame, not " + size);
        }
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures is " + maxFailures + "; it must be at least 1");
        }
        List<Integer> all = IntStream.range(0, size).boxed().toList();
        Search<R> search = new Search<>(size, attempt, maxFailures);
        RuntimeException firstFailure;
        try {
            search.store(all, search.call(all));
            return search.outcome(null);
        } catch (RuntimeException e) {
            firstFailure = e;
        }
        search.calls++;
        try {
            trial.run();
        } catch (RuntimeException e) {
            e.addSuppressed(firstFailure);
            throw new ModelCannotRun("the model failed a batch of " + size + " frames and then its trial input: "
                    + e, e);
        }
        if (size == 1) {
            search.blame(0, firstFailure);
        } else {
            search.split(all);
        }
        return search.outcome(firstFailure);
    }

    private static final class Search<R> {
        private final Attempt<R> attempt;
        private final int maxFailures;
        private final List<R> scores;
        private final Map<Integer, RuntimeException> poison = new LinkedHashMap<>();
        private int calls;

        Search(int size, Attempt<R> attempt, int maxFailures) {
            this.attempt = attempt;
            this.maxFailures = maxFailures;
            this.scores = new ArrayList<>(Arrays.asList(newArray(size)));
        }

        List<R> call(List<Integer> frames) {
            calls++;
            List<R> out = attempt.score(frames);
            if (out.size() != frames.size()) {
                throw new IllegalStateException("the model returned " + out.size() + " scores for " + frames.size()
                        + " frames");
            }
            return out;
        }

        void store(List<Integer> frames, List<R> out) {
            for (int i = 0; i < frames.size(); i++) {
                scores.set(frames.get(i), out.get(i));
            }
        }

        /** Scores each half of {@code frames}, splitting again the halves that throw. */
        void split(List<Integer> frames) {
            int middle = frames.size() / 2;
            for (List<Integer> half : List.of(frames.subList(0, middle), frames.subList(middle, frames.size()))) {
                try {
                    store(half, call(half));
                } catch (ModelCannotRun e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (half.size() == 1) {
                        blame(half.get(0), e);
                    } else {
                        split(half);
                    }
                }
            }
        }

        void blame(int frame, RuntimeException failure) {
            poison.put(frame, failure);
            if (poison.size() > maxFailures) {
                throw new ModelCannotRun("the model failed on " + poison.size() + " frames of one batch alone, more "
                        + "than the " + maxFailures + " a batch may hold before the model is blamed; last: " + failure,
                        failure);
            }
        }

        Outcome<R> outcome(RuntimeException firstFailure) {
            return new Outcome<>(scores, Map.copyOf(poison), calls, firstFailure);
        }

        @SuppressWarnings("unchecked")
        private static <R> R[] newArray(int size) {
            return (R[]) new Object[size];
        }
    }
}
