package io.gleaner.uncertainty;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The running estimate a top-rate trigger fires against: the {@code p} quantile of the scores seen
 * so far, exact for the first {@code exactObservations} scores, then by a {@link P2Quantile} that
 * was fed every score from the first.
 *
 * <p>Why: P² starts from its first five observations and moves each marker at most one rank per
 * observation, so an extreme quantile (p = 0.98) is far off for the first hundreds of frames; the
 * trigger used to stay silent for its first 100 frames and then fire above its rate, so its firing
 * over a stream's first frames missed the target rate. Exact order statistics cost one double per
 * score, so they are kept only while P² settles. From then on the estimate is P²'s, exactly as if
 * P² had run alone.
 *
 * <p>The exact estimate of {@code n} sorted scores {@code x₁ ≤ … ≤ xₙ} is the order statistic at
 * rank {@code r = (n+1)·p}, interpolated linearly between neighbours and clamped to {@code [1, n]}
 * (Hyndman &amp; Fan 1996, "Sample Quantiles in Statistical Packages", definition 6): for scores
 * from a continuous distribution a new score exceeds {@code x_r} (integer {@code r}) with
 * probability {@code 1 − r/(n+1)} whatever the distribution, so a trigger firing strictly above it
 * fires at {@code 1 − p}, the target rate, from the first frame where {@code r ≤ n}, i.e.
 * {@code n ≥ p/(1−p)}. Below that the estimate is the largest score, which fires more often than
 * the target; {@link TriggerRule.TopRate#minObservations()} waits that long by default.
 *
 * <p>State: {@link #toBytes()} holds P²'s {@value P2Quantile#SERIALIZED_BYTES} bytes and, while
 * exact, the sorted scores (8 bytes each; the stage rewrites it after every frame, so keep
 * {@code exactObservations} in the low thousands). {@link #fromBytes} also reads a bare
 * {@link P2Quantile#toBytes()} of an older store, as an estimate past its exact phase.
 * Not thread-safe: one per trigger per stream task.
 */
public final class WarmStartQuantile {
    private static final byte FORMAT = 2;
    private static final byte EXACT_PHASE = 0;
    private static final byte P2_PHASE = 1;

    private final int exactObservations;
    private final P2Quantile p2;
    private double[] sorted;
    private int size;

    /**
     * An estimate of the {@code p} quantile with no scores yet.
     *
     * @param p which quantile, in (0, 1): 0.98 for a trigger firing on the top 2%
     * @param exactObservations scores kept exactly before P² takes over, at least 5
     */
    public WarmStartQuantile(double p, int exactObservations) {
        this(new P2Quantile(p), exactObservations, new double[Math.min(exactObservations, 64)]);
    }

    private WarmStartQuantile(P2Quantile p2, int exactObservations, double[] sorted) {
        if (exactObservations < 5) {
            throw new IllegalArgumentException("WarmStartQuantile: exact observations is " + exactObservations
                    + "; it must be at least 5, the observations P² starts from");
        }
        this.p2 = p2;
        this.exactObservations = exactObservations;
        this.sorted = sorted;
    }

    /** The quantile this estimates. */
    public double p() {
        return p2.p();
    }

    /** Scores kept exactly before P² takes over. */
    public int exactObservations() {
        return exactObservations;
    }

    /** How many scores were added. */
    public long count() {
        return p2.count();
    }

    /** Whether the estimate is still the exact order statistic (P² has not taken over). */
    public boolean exact() {
        return sorted != null;
    }

    /**
     * Adds one score; the {@code exactObservations}-th hands over to P².
     *
     * @throws IllegalArgumentException if {@code x} is NaN or infinite
     */
    public void add(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("WarmStartQuantile.add: x is " + x + "; only finite scores can be ranked");
        }
        p2.add(x);
        if (sorted == null) {
            return;
        }
        if (size == sorted.length) {
            sorted = Arrays.copyOf(sorted, Math.min(exactObservations, 2 * sorted.length));
        }
        int at = Arrays.binarySearch(sorted, 0, size, x);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = x;
        size++;
        if (size == exactObservations) {
            sorted = null;
            size = 0;
        }
    }

    /**
     * The current estimate of the {@code p} quantile.
     *
     * @throws IllegalStateException if nothing was added yet
     */
    public double estimate() {
        if (sorted == null) {
            return p2.estimate();
        }
        if (size == 0) {
            throw new IllegalStateException("WarmStartQuantile: no scores yet; add at least one before asking for the quantile");
        }
        double rank = Math.min(Math.max((size + 1) * p2.p(), 1.0), size);
        int below = (int) Math.floor(rank);
        double fraction = rank - below;
        double low = sorted[below - 1];
        return below == size ? low : low + fraction * (sorted[below] - low);
    }

    /** The whole state for a state store; {@link #fromBytes} restores it exactly. */
    public byte[] toBytes() {
        byte[] p2Bytes = p2.toBytes();
        int exactScores = sorted == null ? 0 : size;
        ByteBuffer buffer = ByteBuffer.allocate(1 + 4 + 1 + p2Bytes.length + 8 * exactScores)
                .put(FORMAT).putInt(exactObservations).put(sorted == null ? P2_PHASE : EXACT_PHASE).put(p2Bytes);
        for (int i = 0; i < exactScores; i++) {
            buffer.putDouble(sorted[i]);
        }
        return buffer.array();
    }

    /**
     * Restores an estimate written by {@link #toBytes()}, or a bare {@link P2Quantile#toBytes()}
     * (then past its exact phase, with {@code exactObservations} of the trigger now).
     *
     * @throws IllegalArgumentException if the bytes are neither
     */
    public static WarmStartQuantile fromBytes(byte[] bytes, int exactObservations) {
        if (bytes != null && bytes.length == P2Quantile.SERIALIZED_BYTES && bytes[0] != FORMAT) {
            return new WarmStartQuantile(P2Quantile.fromBytes(bytes), exactObservations, null);
        }
        int header = 1 + 4 + 1;
        if (bytes == null || bytes.length < header + P2Quantile.SERIALIZED_BYTES || bytes[0] != FORMAT
                || (bytes.length - header - P2Quantile.SERIALIZED_BYTES) % 8 != 0) {
            throw new IllegalArgumentException("WarmStartQuantile.fromBytes: "
                    + (bytes == null ? "null" : bytes.length + " bytes" + (bytes.length > 0 ? " of format " + bytes[0] : ""))
                    + " are not an estimate of format " + FORMAT + " or a P2Quantile; the store holds something else:"
                    + " delete the task's state directory to start the estimate afresh");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            int storedExact = buffer.getInt();
            byte phase = buffer.get();
            byte[] p2Bytes = new byte[P2Quantile.SERIALIZED_BYTES];
            buffer.get(p2Bytes);
            P2Quantile p2 = P2Quantile.fromBytes(p2Bytes);
            int exactScores = buffer.remaining() / 8;
            if (phase == P2_PHASE) {
                return new WarmStartQuantile(p2, storedExact, null);
            }
            if (exactScores != p2.count() || exactScores >= storedExact) {
                throw new IllegalArgumentException("WarmStartQuantile.fromBytes: " + exactScores + " exact scores for "
                        + p2.count() + " added, " + storedExact + " kept exactly; the state is damaged: delete the"
                        + " task's state directory to start the estimate afresh");
            }
            double[] sorted = new double[Math.max(exactScores, Math.min(storedExact, 64))];
            for (int i = 0; i < exactScores; i++) {
                sorted[i] = buffer.getDouble();
            }
            WarmStartQuantile restored = new WarmStartQuantile(p2, storedExact, sorted);
            restored.size = exactScores;
            return restored;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("WarmStartQuantile.fromBytes: truncated state", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WarmStartQuantile that
                && exactObservations == that.exactObservations
                && p2.equals(that.p2)
                && (sorted == null ? that.sorted == null
                        : that.sorted != null && Arrays.equals(sorted, 0, size, that.sorted, 0, that.size));
    }

    @Override
    public int hashCode() {
        return 31 * p2.hashCode() + exactObservations + size;
    }

    @Override
    public String toString() {
        return "WarmStartQuantile[p=" + p() + ", count=" + count() + (exact() ? ", exact" : ", P²") + ", estimate="
                + (count() == 0 ? "none" : estimate()) + "]";
    }
}
