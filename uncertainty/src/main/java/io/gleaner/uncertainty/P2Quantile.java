package io.gleaner.uncertainty;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An online estimate of one quantile of a stream in constant memory: the P² algorithm of R. Jain
 * and I. Chlamtac, "The P² Algorithm for Dynamic Calculation of Quantiles and Histograms Without
 * Storing Observations", Communications of the ACM 28(10), 1985.
 *
 * <p>Five markers track the minimum, the {@code p/2}, {@code p} and {@code (1+p)/2} quantiles and
 * the maximum. Each observation shifts the markers' positions; a marker more than one position
 * from where it should be ({@code 1 + (n−1)·p_i}) moves one step, its height adjusted by the
 * piecewise-parabolic (P²) formula
 * {@code q_i + d/(n_{i+1}−n_{i−1})·[(n_i−n_{i−1}+d)(q_{i+1}−q_i)/(n_{i+1}−n_i) + (n_{i+1}−n_i−d)(q_i−q_{i−1})/(n_i−n_{i−1})]},
 * or linearly when that would leave the neighbours' interval. The estimate is the middle marker;
 * until five observations are in, it is the exact quantile of those seen (linear interpolation
 * between order statistics at rank {@code p·(n−1)}).
 *
 * <p>Why P² and not a t-digest: a trigger needs one quantile fixed in advance, and P² keeps it in
 * 5 heights and 10 positions — {@value #SERIALIZED_BYTES} bytes in a state store, rewritten per
 * frame, and restored bit for bit — with O(1) work per frame and no library. A t-digest answers
 * any quantile but keeps tens to hundreds of centroids whose merge order makes an exact round trip
 * harder to promise. P²'s weakness is far-tail accuracy on heavy-tailed streams early on; the tests
 * state the tolerance measured.
 *
 * <p>Not thread-safe: one estimator per trigger per stream task.
 */
public final class P2Quantile {
    /** Size of {@link #toBytes()}: version, p, count, 5 heights, 5 positions, 5 desired positions. */
    public static final int SERIALIZED_BYTES = 1 + 8 + 8 + 5 * 8 + 5 * 8 + 5 * 8;
    private static final byte FORMAT_VERSION = 1;

    private final double p;
    private final double[] increments;
    private final double[] heights = new double[5];
    private final long[] positions = {1, 2, 3, 4, 5};
    private final double[] desired;
    private long count;

    /**
     * An estimator of the {@code p} quantile with no observations yet.
     *
     * @param p which quantile, in (0, 1): 0.995 for "the score 0.5% of frames exceed"
     * @throws IllegalArgumentException if {@code p} is not in (0, 1)
     */
    public P2Quantile(double p) {
        if (!(p > 0.0 && p < 1.0)) {
            throw new IllegalArgumentException("P2Quantile: p is " + p
                    + "; it must be in (0, 1), e.g. 0.995 to track the top 0.5%");
        }
        this.p = p;
        this.increments = new double[] {0.0, p / 2.0, p, (1.0 + p) / 2.0, 1.0};
        this.desired = new double[] {1.0, 1.0 + 2.0 * p, 1.0 + 4.0 * p, 3.0 + 2.0 * p, 5.0};
    }

    /** The quantile this estimates. */
    public double p() {
        return p;
    }

    /** How many observations were added. */
    public long count() {
        return count;
    }

    /**
     * Adds one observation.
     *
     * @throws IllegalArgumentException if {@code x} is NaN or infinite
     */
    public void add(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("P2Quantile.add: x is " + x + "; only finite scores can be ranked");
        }
        if (count < 5) {
            heights[(int) count] = x;
            count++;
            if (count == 5) {
                Arrays.sort(heights);
            }
            return;
        }
        count++;
        int cell;
        if (x < heights[0]) {
            heights[0] = x;
            cell = 0;
        } else if (x >= heights[4]) {
            heights[4] = x;
            cell = 3;
        } else {
            cell = 0;
            while (!(x < heights[cell + 1])) {
                cell++;
            }
        }
        for (int i = cell + 1; i < 5; i++) {
            positions[i]++;
        }
        for (int i = 0; i < 5; i++) {
            desired[i] += increments[i];
        }
        for (int i = 1; i <= 3; i++) {
            double offset = desired[i] - positions[i];
            if ((offset >= 1.0 && positions[i + 1] - positions[i] > 1)
                    || (offset <= -1.0 && positions[i - 1] - positions[i] < -1)) {
                int d = offset > 0 ? 1 : -1;
                double candidate = parabolic(i, d);
                heights[i] = heights[i - 1] < candidate && candidate < heights[i + 1] ? candidate : linear(i, d);
                positions[i] += d;
            }
        }
    }

    /**
     * The current estimate of the {@code p} quantile.
     *
     * @throws IllegalStateException if nothing was added yet
     */
    public double estimate() {
        if (count == 0) {
            throw new IllegalStateException("P2Quantile: no observations yet; add at least one before asking for the quantile");
        }
        if (count >= 5) {
            return heights[2];
        }
        double[] seen = Arrays.copyOf(heights, (int) count);
        Arrays.sort(seen);
        double rank = p * (seen.length - 1);
        int below = (int) Math.floor(rank);
        int above = Math.min(below + 1, seen.length - 1);
        return seen[below] + (rank - below) * (seen[above] - seen[below]);
    }

    /** The five marker heights (the first {@code count} observations while fewer than five). */
    double[] heights() {
        return heights.clone();
    }

    /** The five marker positions, 1-based ranks among the observations. */
    long[] positions() {
        return positions.clone();
    }

    /** The five desired marker positions. */
    double[] desired() {
        return desired.clone();
    }

    /** The whole state, {@value #SERIALIZED_BYTES} bytes, for a state store; {@link #fromBytes} restores it exactly. */
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(SERIALIZED_BYTES);
        buffer.put(FORMAT_VERSION).putDouble(p).putLong(count);
        for (double height : heights) {
            buffer.putDouble(height);
        }
        for (long position : positions) {
            buffer.putLong(position);
        }
        for (double position : desired) {
            buffer.putDouble(position);
        }
        return buffer.array();
    }

    /**
     * Restores an estimator written by {@link #toBytes()}: the same state, bit for bit, so it
     * goes on to give exactly the estimates the original would have.
     *
     * @throws IllegalArgumentException if the bytes are not a {@link #toBytes()} of this version
     */
    public static P2Quantile fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != SERIALIZED_BYTES || bytes[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException("P2Quantile.fromBytes: expected " + SERIALIZED_BYTES
                    + " bytes of format version " + FORMAT_VERSION + " but got "
                    + (bytes == null ? "null" : bytes.length + " bytes" + (bytes.length > 0 ? " of version " + bytes[0] : ""))
                    + "; the store holds something else: delete the task's state directory to start the estimate afresh");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            P2Quantile restored = new P2Quantile(buffer.getDouble());
            restored.count = buffer.getLong();
            for (int i = 0; i < 5; i++) {
                restored.heights[i] = buffer.getDouble();
            }
            for (int i = 0; i < 5; i++) {
                restored.positions[i] = buffer.getLong();
            }
            for (int i = 0; i < 5; i++) {
                restored.desired[i] = buffer.getDouble();
            }
            return restored;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("P2Quantile.fromBytes: truncated state", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof P2Quantile that
                && Double.compare(p, that.p) == 0
                && count == that.count
                && Arrays.equals(heights, that.heights)
                && Arrays.equals(positions, that.positions)
                && Arrays.equals(desired, that.desired);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(p) + Long.hashCode(count) + 17 * Arrays.hashCode(heights);
    }

    @Override
    public String toString() {
        return "P2Quantile[p=" + p + ", count=" + count + ", estimate="
                + (count == 0 ? "none" : estimate()) + "]";
    }

    private double parabolic(int i, int d) {
        double nLow = positions[i - 1];
        double n = positions[i];
        double nHigh = positions[i + 1];
        return heights[i] + d / (nHigh - nLow)
                * ((n - nLow + d) * (heights[i + 1] - heights[i]) / (nHigh - n)
                + (nHigh - n - d) * (heights[i] - heights[i - 1]) / (n - nLow));
    }

    private double linear(int i, int d) {
        return heights[i] + d * (heights[i + d] - heights[i]) / (positions[i + d] - positions[i]);
    }
}
