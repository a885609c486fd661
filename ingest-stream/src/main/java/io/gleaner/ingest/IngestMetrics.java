package io.gleaner.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts what the ingest stage did with each record: accepted, dropped as a duplicate, or rejected
 * (per {@link RejectReason}). One instance is shared by every stream thread of the stage; the app
 * reads it for its Prometheus endpoint.
 *
 * <p>Counts are of records processed, so under exactly-once a record whose transaction aborted and
 * was retried is counted again: they are operational counters, not an audit of the output topics.
 */
public final class IngestMetrics {
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLongArray rejected = new AtomicLongArray(RejectReason.values().length);

    /** Frames written to {@code frames.valid}. */
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

    void recordAccepted() {
        accepted.incrementAndGet();
    }

    void recordDuplicate() {
        duplicates.incrementAndGet();
    }

    void recordRejected(RejectReason reason) {
        rejected.incrementAndGet(reason.ordinal());
    }

    @Override
    public String toString() {
        return "IngestMetrics{accepted=" + accepted() + ", duplicates=" + duplicates()
                + ", rejected=" + rejectedTotal() + "}";
    }
}
