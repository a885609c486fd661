package io.gleaner.app.ops;

import io.gleaner.scorer.ScorerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The scorer's {@link ScorerMetrics} on {@code /metrics} and its model on {@code /health}: frames
 * in and out, dead letters, frames waiting for a model, batches, batch latency p50/p99 over the
 * last {@value #LATENCY_WINDOW} batches, failures, and the model version served.
 */
public final class ScorerMeters implements MeterBinder, HealthCheck {
    /** Batches the latency quantiles are computed over: a few minutes at a batch or two a second. */
    static final int LATENCY_WINDOW = 1024;

    private final ScorerMetrics metrics;

    public ScorerMeters(ScorerMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        StageMeters.framesIn(registry, metrics, m -> m.framesScored() + m.framesSkipped(),
                "frames from frames.valid scored or sent to frames.dlq");
        StageMeters.framesOut(registry, metrics, ScorerMetrics::framesScored, "frames written to frames.scored");
        StageMeters.deadLetters(registry, metrics, ScorerMetrics::framesSkipped, "unscorable");
        Gauge.builder("gleaner.scorer.frames.waiting", metrics, ScorerMetrics::framesWaiting)
                .description("Frames buffered and not yet scored (high while no model is served or a backlog drains)")
                .register(registry);
        FunctionCounter.builder("gleaner.scorer.batches", metrics, ScorerMetrics::batches)
                .description("Inference batches run").register(registry);
        FunctionCounter.builder("gleaner.scorer.decode.time", metrics, ScorerMetrics::decodeSeconds)
                .description("Time the stream threads spent parsing frames and decoding their images into batches")
                .baseUnit("seconds").register(registry);
        FunctionCounter.builder("gleaner.scorer.forward.time", metrics, ScorerMetrics::forwardSeconds)
                .description("Time of forward passes, on the predictors' forward threads; the side whose rate nears"
                        + " 1 per thread bounds the stage").baseUnit("seconds").register(registry);
        FunctionCounter.builder("gleaner.scorer.batch.failures", metrics, ScorerMetrics::batchFailures)
                .description("Batch predictions that threw; each retires the model that made it").register(registry);
        FunctionCounter.builder("gleaner.scorer.model.load.failures", metrics, ScorerMetrics::modelLoadFailures)
                .description("Model updates that failed to load or were refused").register(registry);
        for (double quantile : new double[] {0.5, 0.99}) {
            Gauge.builder("gleaner.scorer.batch.latency", metrics, m -> latencySeconds(m, quantile))
                    .description("Batch latency quantile, from decoding to the last output forwarded (the wait in flight"
                            + " included), over the last "
                            + LATENCY_WINDOW + " batches (NaN before the first)")
                    .tag("quantile", Double.toString(quantile))
                    .baseUnit("seconds")
                    .register(registry);
        }
        Gauge.builder("gleaner.scorer.model.version", metrics, m -> modelVersionNumber(m.modelVersion()))
                .description("Version of the model served (NaN while none is)")
                .register(registry);
    }

    /**
     * The {@code quantile} of the recent batch latencies, in seconds, by the nearest-rank method
     * (the smallest latency at or above that share of them); NaN when no batch ran yet.
     */
    static double latencySeconds(ScorerMetrics metrics, double quantile) {
        return nearestRank(metrics.recentBatchLatenciesMillis(LATENCY_WINDOW), quantile) / 1000.0;
    }

    /** The nearest-rank {@code quantile} (0, 1] of {@code values}, which it sorts; NaN when empty. */
    static double nearestRank(double[] values, double quantile) {
        if (values.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(values);
        int rank = (int) Math.ceil(quantile * values.length);
        return values[Math.max(0, rank - 1)];
    }

    /** {@code "7"} or {@code "v7"} as 7; NaN for none or a version that is not a number. */
    static double modelVersionNumber(String version) {
        String digits = version.startsWith("v") ? version.substring(1) : version;
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 15) {
            return Double.NaN;
        }
        return Long.parseLong(digits);
    }

    /** Always healthy: a scorer with no model yet buffers frames and says so in {@code model_version}. */
    @Override
    public Result check() {
        String version = metrics.modelVersion();
        return Result.up(Map.of("model_version", version.isEmpty() ? "none" : version,
                "frames_waiting", metrics.framesWaiting()));
    }
}
