package io.gleaner.uncertainty;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The embeddings of the frames lately harvested from one vehicle, with their record times: what
 * {@link DuplicateSuppression} compares a new frame against. Bounded in count, pruned by age, and
 * serialisable for a state store. Not thread-safe.
 */
final class RecentHarvests {
    private record Entry(long timeMs, float[] embedding) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    /**
     * The largest cosine similarity {@code a·b / (‖a‖·‖b‖)} between {@code embedding} and a harvest
     * no older than {@code horizonMs} before {@code nowMs}, or {@code Double.NEGATIVE_INFINITY}
     * when there is none. Older harvests, and those of another dimension (a new backbone), are
     * forgotten on the way.
     */
    double maxSimilarity(float[] embedding, long nowMs, long horizonMs) {
        entries.removeIf(entry -> entry.timeMs() < nowMs - horizonMs || entry.embedding().length != embedding.length);
        double best = Double.NEGATIVE_INFINITY;
        double norm = norm(embedding);
        for (Entry entry : entries) {
            double dot = 0.0;
            for (int i = 0; i < embedding.length; i++) {
                dot += (double) embedding[i] * entry.embedding()[i];
            }
            double denominator = norm * norm(entry.embedding());
            if (denominator > 0.0) {
                best = Math.max(best, dot / denominator);
            }
        }
        return best;
    }

    /** Remembers a harvest, forgetting the oldest beyond {@code capacity}. */
    void add(float[] embedding, long timeMs, int capacity) {
        entries.addLast(new Entry(timeMs, embedding.clone()));
        while (entries.size() > capacity) {
            entries.removeFirst();
        }
    }

    int size() {
        return entries.size();
    }

    byte[] toBytes() {
        int bytes = Integer.BYTES;
        for (Entry entry : entries) {
            bytes += Long.BYTES + Integer.BYTES + entry.embedding().length * Float.BYTES;
        }
        ByteBuffer buffer = ByteBuffer.allocate(bytes).putInt(entries.size());
        for (Entry entry : entries) {
            buffer.putLong(entry.timeMs()).putInt(entry.embedding().length);
            for (float x : entry.embedding()) {
                buffer.putFloat(x);
            }
        }
        return buffer.array();
    }

    static RecentHarvests fromBytes(byte[] bytes) {
        RecentHarvests recent = new RecentHarvests();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int count = buffer.getInt();
        for (int e = 0; e < count; e++) {
            long timeMs = buffer.getLong();
            float[] embedding = new float[buffer.getInt()];
            for (int i = 0; i < embedding.length; i++) {
                embedding[i] = buffer.getFloat();
            }
            recent.entries.addLast(new Entry(timeMs, embedding));
        }
        return recent;
    }

    private static double norm(float[] v) {
        double squared = 0.0;
        for (float x : v) {
            squared += (double) x * x;
        }
        return Math.sqrt(squared);
    }
}
