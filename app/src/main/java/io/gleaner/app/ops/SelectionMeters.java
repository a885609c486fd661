package io.gleaner.app.ops;

import io.gleaner.uncertainty.SelectionMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The selection stage's {@link SelectionMetrics} on {@code /metrics}: frames in and harvested,
 * harvests by trigger ({@code gleaner_harvest_triggers_total{trigger}}, whose rate is the harvest
 * rate by trigger), frames dropped after a trigger fired (by reason) and dead letters. Triggers
 * appear as they first fire (campaign triggers come and go), so {@link #registerNewTriggers()}
 * runs before each scrape.
 */
public final class SelectionMeters implements MeterBinder {
    private final SelectionMetrics metrics;
    private volatile MeterRegistry registry;

    public SelectionMeters(SelectionMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        StageMeters.framesIn(registry, metrics, m -> m.framesSeen() + m.malformed(), "scored frames read");
        StageMeters.framesOut(registry, metrics, SelectionMetrics::harvested,
                "frames harvested by a trigger, after near-duplicate suppression and before any budget");
        StageMeters.deadLetters(registry, metrics, SelectionMetrics::malformed, "malformed");
        dropped(registry, "duplicate", SelectionMetrics::duplicates);
        dropped(registry, "over_budget", SelectionMetrics::overBudget);
        dropped(registry, "late", SelectionMetrics::late);
        registerNewTriggers();
    }

    private void dropped(MeterRegistry registry, String reason, ToDoubleFunction<SelectionMetrics> count) {
        FunctionCounter.builder("gleaner.select.dropped", metrics, count)
                .description("Frames a trigger fired on that were not harvested, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    /** Registers a counter for each trigger that fired since the last call; registering twice is a no-op. */
    public void registerNewTriggers() {
        MeterRegistry bound = registry;
        if (bound == null) {
            return;
        }
        for (String trigger : metrics.firedByTrigger().keySet()) {
            FunctionCounter.builder("gleaner.harvest.triggers", metrics,
                            m -> m.firedByTrigger().getOrDefault(trigger, 0L))
                    .description("Harvested frames each trigger fired on; a frame counts once per trigger")
                    .tag("trigger", trigger)
                    .register(bound);
        }
    }
}
