package io.gleaner.uncertainty;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs the configured {@link TriggerConfig named triggers} on one frame after another. Pure: no
 * I/O and no Kafka types; the stage persists each top-rate trigger's {@link P2Quantile} after
 * every frame and hands the stored ones back to the constructor after a restart.
 *
 * <p>For each trigger in configuration order: score the frame; a {@link TriggerRule.Threshold}
 * trigger fires when the score reaches the threshold; a {@link TriggerRule.TopRate} trigger fires
 * when it has seen at least {@code minObservations} earlier scores and the score is strictly above
 * its estimate of their {@code 1 − rate} quantile, the threshold reported; then the score joins
 * the estimate. Comparing before adding means the reported threshold is exactly what the frame had
 * to beat. Not thread-safe: one instance per stream task.
 */
public final class NamedTriggers {
    /** What the named triggers made of one frame: those that fired and the priority they give. */
    public record Evaluation(List<FiredTrigger> fired, double priority) {
        public Evaluation {
            fired = List.copyOf(fired);
        }

        /** Whether any named trigger fired. */
        public boolean anyFired() {
            return !fired.isEmpty();
        }
    }

    private final List<TriggerConfig> triggers;
    private final double spreadFloor;
    private final Map<String, P2Quantile> estimators = new LinkedHashMap<>();

    /** Triggers starting with empty quantile estimates. */
    public NamedTriggers(List<TriggerConfig> triggers, double spreadFloor) {
        this(triggers, spreadFloor, Map.of());
    }

    /**
     * Triggers continuing from stored estimates. A stored estimate is used only if it tracks the
     * quantile its trigger's rate asks for now; one of a rate since changed, or of a trigger no
     * longer configured, is dropped and the trigger starts afresh.
     *
     * @param stored estimates by trigger name, e.g. read back from the stage's quantile store
     */
    public NamedTriggers(List<TriggerConfig> triggers, double spreadFloor, Map<String, P2Quantile> stored) {
        this.triggers = List.copyOf(triggers);
        this.spreadFloor = spreadFloor;
        Objects.requireNonNull(stored, "stored");
        for (TriggerConfig trigger : this.triggers) {
            if (trigger.rule() instanceof TriggerRule.TopRate top) {
                P2Quantile previous = stored.get(trigger.name());
                boolean usable = previous != null && previous.p() == top.quantile();
                estimators.put(trigger.name(), usable ? previous : new P2Quantile(top.quantile()));
            }
        }
    }

    /** The quantile estimate of each top-rate trigger, by name, in configuration order. */
    public Map<String, P2Quantile> estimators() {
        return estimators;
    }

    /**
     * Scores one frame with every trigger, updates the top-rate estimates and says which fired.
     * The priority is the largest {@code weight·score} among the triggers that fired, or
     * {@code Double.NEGATIVE_INFINITY} when none did.
     *
     * @throws IllegalArgumentException if the frame's outputs are not valid input for a function
     */
    public Evaluation evaluate(FrameOutputs frame) {
        List<FiredTrigger> fired = new ArrayList<>(2);
        double priority = Double.NEGATIVE_INFINITY;
        for (TriggerConfig trigger : triggers) {
            double score = trigger.function().score(frame, spreadFloor);
            double threshold;
            boolean fires;
            if (trigger.rule() instanceof TriggerRule.TopRate top) {
                P2Quantile estimator = estimators.get(trigger.name());
                boolean warm = estimator.count() >= top.minObservations();
                threshold = warm ? estimator.estimate() : Double.NaN;
                fires = warm && score > threshold;
                estimator.add(score);
            } else {
                threshold = ((TriggerRule.Threshold) trigger.rule()).value();
                fires = score >= threshold;
            }
            if (fires) {
                fired.add(new FiredTrigger(trigger.name(), score, threshold));
                priority = Math.max(priority, trigger.weight() * score);
            }
        }
        return new Evaluation(fired, priority);
    }
}
