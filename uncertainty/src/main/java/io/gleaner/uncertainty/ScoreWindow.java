package io.gleaner.uncertainty;

import java.util.Arrays;

/**
 * The last {@code capacity} combined scores, as a ring: once full, each new score overwrites the
 * oldest. Slots are numbered 0..capacity−1 so that a state store can mirror the ring one slot at
 * a time instead of rewriting the whole window per frame.
 *
 * <p>Not thread-safe; one stream task owns one window.
 */
public final class ScoreWindow {
    /** Absorbs the rounding of {@code keepFraction·n}, e.g. 0.07·100 = 7.000000000000001. */
    private static final double ROUNDING_SLACK = 1e-9;

    private final double[] slots;
    private long added;

    /**
     * An empty window.
     *
     * @throws IllegalArgumentException if {@code capacity} is below 1
     */
    public ScoreWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("score window capacity is " + capacity + "; it must be at least 1");
        }
        this.slots = new double[capacity];
    }

    /**
     * A window as it was after {@code added} scores, with the ring's slots read back from storage.
     *
     * @param slots the ring, {@code slots.length} is the capacity; slots at or past
     *     {@code min(added, capacity)} are ignored until written
     * @throws IllegalArgumentException if {@code added} is negative or a held slot is not finite
     */
    public static ScoreWindow restore(long added, double[] slots) {
        if (added < 0) {
            throw new IllegalArgumentException("score window count is " + added + "; it must be at least 0");
        }
        ScoreWindow window = new ScoreWindow(slots.length);
        int held = (int) Math.min(added, slots.length);
        for (int i = 0; i < held; i++) {
            checkFinite(slots[i], "restored slot " + i);
        }
        System.arraycopy(slots, 0, window.slots, 0, slots.length);
        window.added = added;
        return window;
    }

    /** How many scores the window can hold. */
    public int capacity() {
        return slots.length;
    }

    /** How many scores the window holds now: {@code min(added(), capacity())}. */
    public int size() {
        return (int) Math.min(added, slots.length);
    }

    /** How many scores were ever added, including those since overwritten. */
    public long added() {
        return added;
    }

    /**
     * Adds a score, overwriting the oldest one when the window is full.
     *
     * @return the slot the score was written to
     * @throws IllegalArgumentException if {@code score} is NaN or infinite
     */
    public int add(double score) {
        checkFinite(score, "score");
        int slot = (int) (added % slots.length);
        slots[slot] = score;
        added++;
        return slot;
    }

    /** The score in a slot; only slots below {@link #size()} hold one. */
    public double score(int slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("slot " + slot + " is not held; the window holds " + size() + " scores");
        }
        return slots[slot];
    }

    /** The held scores, oldest first. */
    public double[] oldestFirst() {
        int size = size();
        double[] ordered = new double[size];
        long first = added - size;
        for (int i = 0; i < size; i++) {
            ordered[i] = slots[(int) ((first + i) % slots.length)];
        }
        return ordered;
    }

    /**
     * A window of another capacity holding the newest scores of this one, oldest first; used when
     * the configured window size changed between runs.
     */
    public ScoreWindow resized(int capacity) {
        ScoreWindow resized = new ScoreWindow(capacity);
        double[] ordered = oldestFirst();
        for (int i = Math.max(0, ordered.length - capacity); i < ordered.length; i++) {
            resized.add(ordered[i]);
        }
        return resized;
    }

    /**
     * The score a frame must reach to be in the top {@code keepFraction} of the window: the
     * {@code m}-th largest of the {@code n} held scores, with {@code m = max(1, ⌈keepFraction·n⌉)}.
     * This is the empirical {@code (1 − keepFraction)} quantile read from the top; when
     * {@code keepFraction·n} is a whole number, exactly that many held scores (ties aside) are at
     * or above it, so a score drawn from the same distribution as the window reaches it with
     * probability {@code keepFraction}.
     *
     * @throws IllegalArgumentException if the window is empty or {@code keepFraction} is not in (0, 1]
     */
    public double topShareThreshold(double keepFraction) {
        if (!(keepFraction > 0.0 && keepFraction <= 1.0)) {
            throw new IllegalArgumentException("keepFraction is " + keepFraction + "; it must be in (0, 1]");
        }
        int n = size();
        if (n == 0) {
            throw new IllegalArgumentException("the score window is empty; add a score before asking for a threshold");
        }
        int m = topShareCount(keepFraction, n);
        double[] sorted = Arrays.copyOf(slots, n);
        Arrays.sort(sorted);
        return sorted[n - m];
    }

    /** {@code m = max(1, ⌈keepFraction·n⌉)}, at most {@code n}: how many of {@code n} scores the top share holds. */
    static int topShareCount(double keepFraction, int n) {
        return Math.max(1, Math.min(n, (int) Math.ceil(keepFraction * n - ROUNDING_SLACK)));
    }

    /** How many held scores are strictly greater than {@code score}. */
    public int countAbove(double score) {
        int count = 0;
        for (int i = 0, n = size(); i < n; i++) {
            if (slots[i] > score) {
                count++;
            }
        }
        return count;
    }

    /** How many held scores equal {@code score}. */
    public int countEqual(double score) {
        int count = 0;
        for (int i = 0, n = size(); i < n; i++) {
            if (slots[i] == score) {
                count++;
            }
        }
        return count;
    }

    private static void checkFinite(double value, String what) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " is " + value + "; window scores must be finite");
        }
    }
}
