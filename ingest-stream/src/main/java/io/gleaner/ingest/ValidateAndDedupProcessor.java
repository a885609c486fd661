package io.gleaner.ingest;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.time.Clock;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Validates each {@code frames.raw} record with {@link FrameValidator}, drops frames whose id was
 * seen within the dedup retention, and forwards a {@link Verdict}. Rejected records keep their
 * original key, value and headers, plus the {@link DlqHeaders}.
 *
 * <p>Duplicates are dropped and counted, not sent to the DLQ: a re-sent frame is what an
 * at-least-once producer or a fleet re-upload does by design, not a bad record anyone must inspect,
 * and routing every replay to the DLQ would bury the records that are.
 *
 * <p>Seen ids live in a window store, filed under the start of a bucket one dedup retention wide
 * and valued with the wall-clock time they were first seen. A lookup is three point reads (the
 * bucket of now and the two beside it; a bucket whose segment does not exist costs nothing), not a
 * range scan: a scan opens a RocksDB iterator per segment, and the fetch and the put together cost
 * 30 µs a frame on a 2-core machine, the stream thread's largest cost after validation itself. The
 * stored time, not the bucket, decides whether the id is still remembered, so the retention is exact.
 * The store keeps two buckets' worth, and whole segments expire as time passes, so forgetting old
 * ids costs no scan on the stream thread.
 */
final class ValidateAndDedupProcessor implements Processor<byte[], byte[], byte[], Verdict> {
    private final FrameValidator validator;
    private final long retentionMs;
    private final IngestMetrics metrics;
    private ProcessorContext<byte[], Verdict> context;
    private WindowStore<String, Long> seenFrameIds;

    ValidateAndDedupProcessor(IngestConfig config, IngestMetrics metrics, Clock clock) {
        this.validator = new FrameValidator(config, clock, metrics);
        this.retentionMs = config.dedupRetention().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Verdict> context) {
        this.context = context;
        this.seenFrameIds = context.getStateStore(IngestTopology.SEEN_FRAME_IDS_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.recordReceived();
        ValidationResult result = validator.validate(record.key(), record.value());
        if (result instanceof Rejection rejection) {
            metrics.recordRejected(rejection.reason());
            context.forward(record.withValue(Verdict.reject(record.value()))
                    .withHeaders(dlqHeaders(record.headers(), rejection)));
            return;
        }
        FrameEvent frame = ((ValidationResult.Valid) result).frame();
        // Wall-clock time, not record time: record timestamps come from the fleet, and one far-future
        // timestamp must not be able to expire every remembered id.
        long nowMs = context.currentSystemTimeMs();
        long bucket = IngestTopology.dedupBucketStart(nowMs, retentionMs);
        if (seenWithinRetention(frame.getFrameId(), bucket, nowMs)) {
            metrics.recordDuplicate();
            return;
        }
        seenFrameIds.put(frame.getFrameId(), nowMs, bucket);
        metrics.recordAccepted();
        context.forward(record.withValue(Verdict.accept(record.value())));
    }

    /** Whether {@code frameId} was seen within the retention: in now's bucket or one beside it. */
    private boolean seenWithinRetention(String frameId, long bucket, long nowMs) {
        // The next bucket too, so that an id stays remembered if the clock steps back.
        return seenIn(frameId, bucket, nowMs) || seenIn(frameId, bucket - retentionMs, nowMs)
                || seenIn(frameId, bucket + retentionMs, nowMs);
    }

    private boolean seenIn(String frameId, long bucketStart, long nowMs) {
        Long seenMs = seenFrameIds.fetch(frameId, bucketStart);
        return seenMs != null && Math.abs(nowMs - seenMs) <= retentionMs;
    }

    private Headers dlqHeaders(Headers original, Rejection rejection) {
        // Copy so the DLQ headers never leak onto another record sharing the same Headers object.
        Headers headers = new RecordHeaders(original.toArray());
        // Records always come from frames.raw here; metadata is only absent outside a source record.
        RecordMetadata source = context.recordMetadata().orElse(null);
        DlqHeaders.stamp(headers, rejection.reason().code(), rejection.detail(), rejection.exception(),
                source == null ? Topics.FRAMES_RAW.name() : source.topic(),
                source == null ? -1 : source.partition(),
                source == null ? -1L : source.offset());
        return headers;
    }
}
