package io.gleaner.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts what the ingest stage did with each record: received, accepted, dropped as a duplicate,
 * or rejected (per {@link RejectReason}), and how long image decoding took. One instance is shared
 * by every stream thread of the stage; the app reads it for its Prometheus endpoint. It has no
 * framework types, so any exporter can read it.
 *
 * <p>Counts are of records processed, so under exactly-once a record whose transaction aborted and
 * was retried is counted again: they are operational counters, not an audit of the output topics.
 */
public final class IngestMetrics {
    /**
     * Upper bounds, in microseconds, of the decode-time histogram buckets; a last bucket holds
     * everything slower. A 64x64 PNG decodes in tens of microseconds, a 224x224 JPEG in about half
     * a millisecond.
     */
    private static final long[] DECODE_BUCKET_BOUNDS_MICROS = {100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000};

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLongArray rejected = new AtomicLongArray(RejectReason.values().length);
    private final AtomicLong decodes = new AtomicLong();
    private final AtomicLong decodeNanosTotal = new AtomicLong();
    private final AtomicLong decodeNanosMax = new AtomicLong();
    private final AtomicLongArray decodeBuckets = new AtomicLongArray(DECODE_BUCKET_BOUNDS_MICROS.length + 1);

    /** Records read from {@code frames.raw} (frames in). */
    public long received() {
        return received.get();
    }

    /** Frames written to {@code frames.valid} (frames out). */
    public long accepted() {
        return accepted.get();
    }

    /** Valid frames dropped because their frame id was seen within the dedup retention. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Records sent to {@code frames.dlq} for this reason. */
    public long rejected(RejectReason reason) {
        return rejected.get(reason.ordinal());
    }

    /** Records sent to {@code frames.dlq}, all reasons together. */
    public long rejectedTotal() {
        long total = 0;
        for (int i = 0; i < rejected.length(); i++) {
            total += rejected.get(i);
        }
        return total;
    }

    /** A snapshot of the rejections per reason, every reason present (zero when none). */
    public Map<RejectReason, Long> rejectedByReason() {
        Map<RejectReason, Long> snapshot = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            snapshot.put(reason, rejected(reason));
        }
        return snapshot;
    }

    /** PNG/JPEG decodes attempted, failed ones included (RAW images are not decoded). */
    public long decodes() {
        return decodes.get();
    }

    /** Time spent in all decodes together, in nanoseconds. */
    public long decodeNanosTotal() {
        return decodeNanosTotal.get();
    }

    /** The slowest single decode, in nanoseconds; 0 before the first. */
    public long decodeNanosMax() {
        return decodeNanosMax.get();
    }

    /** The upper bounds, in microseconds, of the {@link #decodeHistogram()} buckets but the last. */
    public static long[] decodeBucketBoundsMicros() {
        return DECODE_BUCKET_BOUNDS_MICROS.clone();
    }

    /**
     * Decodes per histogram bucket: index {@code i} counts decodes that took at most
     * {@code decodeBucketBoundsMicros()[i]} µs (and more than the bound before it); the last index
     * counts the slower ones. Not cumulative.
     */
    public long[] decodeHistogram() {
        long[] counts = new long[decodeBuckets.length()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = decodeBuckets.get(i);
        }
        return counts;
    }

    void recordReceived() {
        received.incrementAndGet();
    }

    void recordAccepted() {
        accepted.incrementAndGet();
    }

    void recordDuplicate() {
        duplicates.incrementAndGet();
    }

    void recordRejected(RejectReason reason) {
        rejected.incrementAndGet(reason.ordinal());
    }

    void recordDecode(long nanos) {
        decodes.incrementAndGet();
        decodeNanosTotal.addAndGet(nanos);
        decodeNanosMax.accumulateAndGet(nanos, Math::max);
        long micros = nanos / 1_000;
        int bucket = 0;
        while (bucket < DECODE_BUCKET_BOUNDS_MICROS.length && micros > DECODE_BUCKET_BOUNDS_MICROS[bucket]) {
            bucket++;
        }
        decodeBuckets.incrementAndGet(bucket);
    }

    @Override
    public String toString() {
        return "IngestMetrics{received=" + received() + ", accepted=" + accepted() + ", duplicates=" + duplicates()
                + ", rejected=" + rejectedTotal() + ", decodes=" + decodes()
                + ", decodeMsTotal=" + decodeNanosTotal() / 1_000_000 + "}";
    }
}
