package io.gleaner.ingest;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.v1.FrameEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Validates each {@code frames.raw} record with {@link FrameValidator}, drops frames whose id was
 * seen within the dedup retention, and forwards a {@link Verdict}. Rejected records keep their
 * original key, value and headers, plus the {@link DlqHeaders}.
 *
 * <p>Duplicates are dropped and counted, not sent to the DLQ: a re-sent frame is what an
 * at-least-once producer or a fleet re-upload does by design, not a bad record anyone must inspect,
 * and routing every replay to the DLQ would bury the records that are.
 */
final class ValidateAndDedupProcessor implements Processor<byte[], byte[], byte[], Verdict> {
    private static final Duration MIN_PRUNE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_PRUNE_INTERVAL = Duration.ofMinutes(1);

    private final FrameValidator validator;
    private final Duration retention;
    private final IngestMetrics metrics;
    private ProcessorContext<byte[], Verdict> context;
    private KeyValueStore<String, Long> seenFrameIds;

    ValidateAndDedupProcessor(IngestConfig config, IngestMetrics metrics) {
        this.validator = new FrameValidator(config);
        this.retention = config.dedupRetention();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Verdict> context) {
        this.context = context;
        this.seenFrameIds = context.getStateStore(IngestTopology.SEEN_FRAME_IDS_STORE);
        // Wall-clock time, not stream time: record timestamps come from the fleet, and one far-future
        // timestamp must not be able to evict every remembered id.
        context.schedule(pruneInterval(retention), PunctuationType.WALL_CLOCK_TIME, this::pruneExpired);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        ValidationResult result = validator.validate(record.value());
        if (result instanceof Rejection rejection) {
            metrics.recordRejected(rejection.reason());
            context.forward(record.withValue(Verdict.reject(record.value()))
                    .withHeaders(dlqHeaders(record.headers(), rejection)));
            return;
        }
        FrameEvent frame = ((ValidationResult.Valid) result).frame();
        if (seenFrameIds.get(frame.getFrameId()) != null) {
            metrics.recordDuplicate();
            return;
        }
        seenFrameIds.put(frame.getFrameId(), context.currentSystemTimeMs());
        metrics.recordAccepted();
        context.forward(record.withValue(Verdict.accept(frame)));
    }

    private Headers dlqHeaders(Headers original, Rejection rejection) {
        // Copy so the DLQ headers never leak onto another record sharing the same Headers object.
        Headers headers = new RecordHeaders(original.toArray());
        set(headers, DlqHeaders.REASON, rejection.reason().code());
        set(headers, DlqHeaders.DETAIL, rejection.detail());
        if (!rejection.exception().isEmpty()) {
            set(headers, DlqHeaders.EXCEPTION, rejection.exception());
        } else {
            headers.remove(DlqHeaders.EXCEPTION);
        }
        context.recordMetadata().ifPresent((RecordMetadata source) -> {
            set(headers, DlqHeaders.SOURCE_TOPIC, source.topic());
            set(headers, DlqHeaders.SOURCE_PARTITION, Integer.toString(source.partition()));
            set(headers, DlqHeaders.SOURCE_OFFSET, Long.toString(source.offset()));
        });
        return headers;
    }

    private static void set(Headers headers, String name, String value) {
        // A record replayed from the DLQ may already carry these headers: replace, never duplicate.
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private void pruneExpired(long nowMs) {
        long cutoff = nowMs - retention.toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = seenFrameIds.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                if (entry.value <= cutoff) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(seenFrameIds::delete);
    }

    static Duration pruneInterval(Duration retention) {
        Duration tenth = retention.dividedBy(10);
        if (tenth.compareTo(MIN_PRUNE_INTERVAL) < 0) {
            return MIN_PRUNE_INTERVAL;
        }
        return tenth.compareTo(MAX_PRUNE_INTERVAL) > 0 ? MAX_PRUNE_INTERVAL : tenth;
    }
}
