package io.gleaner.uncertainty.acquisition;

import java.util.Arrays;

/**
 * How unlike anything in a reference set a frame's embedding is: the cosine distance to its k-th
 * nearest neighbour among a bounded set of reference embeddings (for example the frames harvested
 * or trained on lately). A frame far from all of them shows the model something new.
 *
 * <p>Source: Y. Sun, Y. Ming, X. Zhu, Y. Li, "Out-of-Distribution Detection with Deep Nearest
 * Neighbors", ICML 2022: the k-th nearest-neighbour distance between L2-normalised features.
 *
 * <p>Embeddings must be L2-normalised (norm 1 within 1e-3, as the scorer sends them), so the
 * cosine distance is {@code 1 − a·b}, in [0, 2]. An instance keeps the newest {@code capacity}
 * references as a ring, so memory and time per query are bounded whatever the stream's length.
 * Not thread-safe.
 */
public final class EmbeddingNovelty {
    private final int k;
    private final float[][] references;
    private int dimension = -1;
    private long added;

    /**
     * An empty reference set.
     *
     * @param capacity how many references it keeps, at least 1; the oldest is dropped beyond it
     * @param k which nearest neighbour measures novelty, in [1, capacity]
     * @throws IllegalArgumentException if {@code capacity} or {@code k} is out of range
     */
    public EmbeddingNovelty(int capacity, int k) {
        ArgumentCheck.atLeast("EmbeddingNovelty", "capacity", capacity, 1);
        ArgumentCheck.atLeast("EmbeddingNovelty", "k", k, 1);
        if (k > capacity) {
            throw new IllegalArgumentException("EmbeddingNovelty: k is " + k + " but capacity is " + capacity
                    + "; the k-th neighbour must fit in the reference set, so use k <= capacity");
        }
        this.k = k;
        this.references = new float[capacity][];
    }

    /** How many references are held now, at most the capacity. */
    public int size() {
        return (int) Math.min(added, references.length);
    }

    /**
     * A reference set as it was after {@code added} embeddings, with its ring's slots read back
     * from storage: slot {@code i} holds the embedding last written there.
     *
     * @param slots the ring, {@code slots.length} is the capacity; the first
     *     {@code min(added, capacity)} must be held
     * @throws IllegalArgumentException if {@code added} is negative, {@code k} out of range, or a held
     *     slot is missing, not L2-normalised or of another dimension
     */
    public static EmbeddingNovelty restore(int k, long added, float[][] slots) {
        EmbeddingNovelty restored = new EmbeddingNovelty(slots.length, k);
        if (added < 0) {
            throw new IllegalArgumentException("EmbeddingNovelty.restore: added is " + added + "; it must be at least 0");
        }
        int held = (int) Math.min(added, slots.length);
        for (int slot = 0; slot < held; slot++) {
            ArgumentCheck.unitVector("EmbeddingNovelty.restore", "slots[" + slot + "]", slots[slot], restored.dimension);
            restored.dimension = slots[slot].length;
            restored.references[slot] = slots[slot].clone();
        }
        restored.added = added;
        return restored;
    }

    /** The reference in a ring slot (a copy); only slots below {@link #size()} hold one. */
    public float[] embedding(int slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("slot " + slot + " is not held; the set holds " + size() + " references");
        }
        return references[slot].clone();
    }

    /** How many references were ever added, including those since dropped. */
    public long added() {
        return added;
    }

    /** The references' dimension, or -1 while none was added. */
    public int dimension() {
        return added == 0 ? -1 : dimension;
    }

    /**
     * Adds a reference embedding (a copy), dropping the oldest one when full.
     *
     * @return the ring slot it was written to, so that an owner can persist that slot alone
     * @throws IllegalArgumentException if it is not a finite L2-normalised vector of the same
     *     dimension as earlier references
     */
    public int add(float[] embedding) {
        ArgumentCheck.unitVector("EmbeddingNovelty.add", "embedding", embedding, dimension());
        dimension = embedding.length;
        int slot = (int) (added % references.length);
        references[slot] = embedding.clone();
        added++;
        return slot;
    }

    /** Whether {@code embedding} is finite, L2-normalised and of the references' dimension, so {@link #add} and {@link #novelty} take it. */
    public boolean accepts(float[] embedding) {
        if (embedding == null || embedding.length == 0 || (dimension() >= 0 && embedding.length != dimension)) {
            return false;
        }
        double squared = 0.0;
        for (float x : embedding) {
            if (!Float.isFinite(x)) {
                return false;
            }
            squared += (double) x * x;
        }
        return Math.abs(Math.sqrt(squared) - 1.0) <= ArgumentCheck.NORM_TOLERANCE;
    }

    /**
     * The cosine distance from {@code embedding} to its k-th nearest reference; while fewer than k
     * references are held, to the farthest of them (the k-th nearest of what there is).
     *
     * @throws IllegalArgumentException if no reference was added yet, or the embedding is not a
     *     finite L2-normalised vector of the references' dimension
     */
    public double novelty(float[] embedding) {
        if (added == 0) {
            throw new IllegalArgumentException("EmbeddingNovelty.novelty: the reference set is empty;"
                    + " add reference embeddings before asking how novel a frame is");
        }
        ArgumentCheck.unitVector("EmbeddingNovelty.novelty", "embedding", embedding, dimension());
        float[][] held = Arrays.copyOf(references, size());
        return kthSmallest(distances(embedding, held), Math.min(k, held.length));
    }

    /**
     * The k-th nearest-neighbour cosine distance of {@code query} among {@code reference}:
     * the k-th smallest of {@code 1 − query·r} over the references r.
     *
     * @throws IllegalArgumentException if {@code reference} holds fewer than {@code k} vectors,
     *     {@code k < 1}, or a vector is not finite, L2-normalised and of the query's dimension
     */
    public static double kNearestDistance(float[] query, float[][] reference, int k) {
        ArgumentCheck.unitVector("kNearestDistance", "query", query, -1);
        ArgumentCheck.atLeast("kNearestDistance", "k", k, 1);
        if (reference == null || reference.length < k) {
            throw new IllegalArgumentException("kNearestDistance: reference holds "
                    + (reference == null ? "nothing (null)" : reference.length + " vectors") + " but k is " + k
                    + "; pass at least k reference embeddings or lower k");
        }
        for (int i = 0; i < reference.length; i++) {
            ArgumentCheck.unitVector("kNearestDistance", "reference[" + i + "]", reference[i], query.length);
        }
        return kthSmallest(distances(query, reference), k);
    }

    /**
     * Cosine distance {@code 1 − a·b} between two L2-normalised vectors, clamped to [0, 2] against
     * float rounding: 0 for the same direction, 1 for orthogonal, 2 for opposite.
     *
     * @throws IllegalArgumentException if either is not a finite L2-normalised vector, or their
     *     dimensions differ
     */
    public static double cosineDistance(float[] a, float[] b) {
        ArgumentCheck.unitVector("cosineDistance", "a", a, -1);
        ArgumentCheck.unitVector("cosineDistance", "b", b, a.length);
        return distance(a, b);
    }

    static double distance(float[] a, float[] b) {
        double dot = 0.0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return Math.max(0.0, Math.min(2.0, 1.0 - dot));
    }

    private static double[] distances(float[] query, float[][] reference) {
        double[] distances = new double[reference.length];
        for (int i = 0; i < reference.length; i++) {
            distances[i] = distance(query, reference[i]);
        }
        return distances;
    }

    private static double kthSmallest(double[] values, int k) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[k - 1];
    }
}
