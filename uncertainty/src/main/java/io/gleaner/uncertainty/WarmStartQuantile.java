package io.gleaner.uncertainty;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The running estimate a top-rate trigger fires against: the {@code p} quantile of the scores seen
 * so far, exact for the first {@code exactObservations} scores and then by {@link P2Quantile},
 * seeded from them ({@link P2Quantile#seeded}).
 *
 * <p>Why: P² starts from its first five observations and moves each marker at most one rank per
 * observation, so an extreme quantile (p = 0.98) lags for hundreds of frames, and the trigger used
 * to stay silent for its first 100 frames on top of that; the firing rate over a stream's first
 * frames fell short of the target rate. Exact order statistics cost one double per score, so they
 * are kept only until P² can take over from a good start.
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
 * <p>State: {@link #toBytes()} holds the sorted scores while exact (8 bytes each; the stage
 * rewrites it after every frame, so keep {@code exactObservations} in the low thousands) and the
 * {@value P2Quantile#SERIALIZED_BYTES} bytes of P² afterwards; {@link #fromBytes} also reads a
 * bare {@link P2Quantile#toBytes()} of an older store, as an estimate already past its exact phase.
 * Not thread-safe: one per trigger per stream task.
 */
public final class WarmStartQuantile {
    private static final byte FORMAT = 2;
    private static final byte EXACT_PHASE = 0;
    private static final byte P2_PHASE = 1;

    private final double p;
    private final int exactObservations;
    private double[] sorted;
    private int size;
    private P2Quantile p2;

    /**
     * An estimate of the {@code p} quantile with no scores yet.
     *
     * @param p which quantile, in (0, 1): 0.98 for a trigger firing on the top 2%
     * @param exactObservations scores kept exactly before P² takes over, at least 5
     */
    public WarmStartQuantile(double p, int exactObservations) {
        if (!(p > 0.0 && p < 1.0)) {
            throw new IllegalArgumentException("WarmStartQuantile: p is " + p
                    + "; it must be in (0, 1), e.g. 0.98 to track the top 2%");
        }
        if (exactObservations < 5) {
            throw new IllegalArgumentException("WarmStartQuantile: exact observations is " + exactObservations
                    + "; it must be at least 5, the observations P² starts from");
        }
        this.p = p;
        this.exactObservations = exactObservations;
        this.sorted = new double[Math.min(exactObservations, 64)];
    }

    private WarmStartQuantile(P2Quantile p2, int exactObservations) {
        this.p = p2.p();
        this.exactObservations = exactObservations;
        this.p2 = p2;
    }

    /** The quantile this estimates. */
    public double p() {
        return p;
    }

    /** Scores kept exactly before P² takes over. */
    public int exactObservations() {
        return exactObservations;
    }

    /** How many scores were added. */
    public long count() {
        return p2 != null ? p2.count() : size;
    }

    /** Whether the estimate is still the exact order statistic (P² has not taken over). */
    public boolean exact() {
        return p2 == null;
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
        if (p2 != null) {
            p2.add(x);
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
            p2 = P2Quantile.seeded(p, sorted);
            sorted = null;
        }
    }

    /**
     * The current estimate of the {@code p} quantile.
     *
     * @throws IllegalStateException if nothing was added yet
     */
    public double estimate() {
        if (p2 != null) {
            return p2.estimate();
        }
        if (size == 0) {
            throw new IllegalStateException("WarmStartQuantile: no scores yet; add at least one before asking for the quantile");
        }
        double rank = Math.min(Math.max((size + 1) * p, 1.0), size);
        int below = (int) Math.floor(rank);
        double fraction = rank - below;
        double low = sorted[below - 1];
        return below == size ? low : low + fraction * (sorted[below] - low);
    }

    /** The whole state for a state store; {@link #fromBytes} restores it exactly. */
    public byte[] toBytes() {
        if (p2 != null) {
            byte[] p2Bytes = p2.toBytes();
            return ByteBuffer.allocate(1 + 4 + 1 + p2Bytes.length)
                    .put(FORMAT).putInt(exactObservations).put(P2_PHASE).put(p2Bytes).array();
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 + 4 + 1 + 8 + 4 + 8 * size)
                .put(FORMAT).putInt(exactObservations).put(EXACT_PHASE).putDouble(p).putInt(size);
        for (int i = 0; i < size; i++) {
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
            return new WarmStartQuantile(P2Quantile.fromBytes(bytes), exactObservations);
        }
        if (bytes == null || bytes.length < 6 || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("WarmStartQuantile.fromBytes: "
                    + (bytes == null ? "null" : bytes.length + " bytes" + (bytes.length > 0 ? " of format " + bytes[0] : ""))
                    + " are not an estimate of format " + FORMAT + " or a P2Quantile; the store holds something else:"
                    + " delete the task's state directory to start the estimate afresh");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            int storedExact = buffer.getInt();
            byte phase = buffer.get();
            if (phase == P2_PHASE) {
                byte[] p2Bytes = new byte[buffer.remaining()];
                buffer.get(p2Bytes);
                return new WarmStartQuantile(P2Quantile.fromBytes(p2Bytes), storedExact);
            }
            WarmStartQuantile restored = new WarmStartQuantile(buffer.getDouble(), storedExact);
            int size = buffer.getInt();
            if (size < 0 || size >= storedExact || buffer.remaining() != 8 * size) {
                throw new IllegalArgumentException("WarmStartQuantile.fromBytes: " + size + " exact scores of "
                        + storedExact + " in " + bytes.length + " bytes; the state is damaged: delete the task's"
                        + " state directory to start the estimate afresh");
            }
            restored.sorted = new double[Math.max(size, Math.min(storedExact, 64))];
            for (int i = 0; i < size; i++) {
                restored.sorted[i] = buffer.getDouble();
            }
            restored.size = size;
            return restored;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("WarmStartQuantile.fromBytes: truncated state", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof WarmStartQuantile that)) {
            return false;
        }
        if (Double.compare(p, that.p) != 0 || exactObservations != that.exactObservations) {
            return false;
        }
        if (p2 != null || that.p2 != null) {
            return p2 != null && p2.equals(that.p2);
        }
        return Arrays.equals(sorted, 0, size, that.sorted, 0, that.size);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(p) + exactObservations + (p2 != null ? p2.hashCode() : size);
    }

    @Override
    public String toString() {
        return "WarmStartQuantile[p=" + p + ", count=" + count() + (exact() ? ", exact" : ", P²") + ", estimate="
                + (count() == 0 ? "none" : estimate()) + "]";
    }
}
