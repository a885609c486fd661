package io.gleaner.app.ops;

import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.RejectReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The ingest stage's {@link IngestMetrics} on {@code /metrics}: frames in (read from
 * {@code frames.raw}) and out (written to {@code frames.valid}), duplicates, dead letters by
 * reason, and image decode time. Reads the counters at scrape time; adds no work per record.
 */
public final class IngestMeters implements MeterBinder {
    private final IngestMetrics metrics;

    public IngestMeters(IngestMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        StageMeters.framesIn(registry, metrics, IngestMetrics::received, "records read from frames.raw");
        StageMeters.framesOut(registry, metrics, IngestMetrics::accepted, "frames written to frames.valid");
        FunctionCounter.builder("gleaner.ingest.duplicates", metrics, IngestMetrics::duplicates)
                .description("Valid frames dropped because their frame id was seen within the dedup retention")
                .register(registry);
        for (RejectReason reason : RejectReason.values()) {
            StageMeters.deadLetters(registry, metrics, m -> m.rejected(reason), reason.code());
        }
        FunctionTimer.builder("gleaner.ingest.decode", metrics, IngestMetrics::decodes,
                        IngestMetrics::decodeNanosTotal, TimeUnit.NANOSECONDS)
                .description("PNG/JPEG decodes and the time they took")
                .register(registry);
    }
}
