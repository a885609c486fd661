package io.gleaner.uncertainty;

import io.gleaner.uncertainty.acquisition.EmbeddingNovelty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs the configured {@link TriggerConfig named triggers} on one frame after another. Pure: no
 * I/O and no Kafka types; the stage persists each top-rate trigger's {@link WarmStartQuantile} after
 * every frame and hands the stored ones back to the constructor after a restart.
 *
 * <p>For each trigger in configuration order: score the frame; a {@link TriggerRule.Threshold}
 * trigger fires when the score reaches the threshold; a {@link TriggerRule.TopRate} trigger fires
 * when it has seen at least {@code minObservations} earlier scores and the score is strictly above
 * its estimate of their {@code 1 − rate} quantile (exact over its first scores, then P²), the
 * threshold reported; then the score joins the estimate. Comparing before adding means the reported threshold is exactly what the frame had
 * to beat. A trigger whose function has no score for a frame (NaN) skips it: it neither fires nor
 * adds to its estimate.
 *
 * <p>When a trigger uses {@link TriggerFunction#EMBEDDING_NOVELTY}, the instance keeps a reference
 * set of the last {@value #NOVELTY_REFERENCE_FRAMES} L2-normalised embeddings it saw, scores each
 * frame against it before adding the frame, and starts the set afresh when the model version
 * changes (a new model embeds into a new space). Not thread-safe: one instance per stream task.
 */
public final class NamedTriggers {
    /** How many recent embeddings the {@code embedding-novelty} function compares against. */
    public static final int NOVELTY_REFERENCE_FRAMES = 512;
    /** Which nearest neighbour's distance is the {@code embedding-novelty} score. */
    public static final int NOVELTY_NEIGHBOUR = 5;

    /**
     * The embedding-novelty reference set of one model version, as stored between runs.
     *
     * @param modelVersion the model version whose embeddings it holds
     * @param embeddings the reference set
     */
    public record Reference(String modelVersion, EmbeddingNovelty embeddings) {}

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
    private final Map<String, WarmStartQuantile> estimators = new LinkedHashMap<>();
    private final boolean usesEmbeddingNovelty;
    private Reference reference;
    private int lastReferenceSlot = -1;
    private boolean referenceRestarted;

    /** Triggers starting with empty quantile estimates. */
    public NamedTriggers(List<TriggerConfig> triggers, double spreadFloor) {
        this(triggers, spreadFloor, Map.of(), null);
    }

    /**
     * Triggers continuing from stored estimates. A stored estimate is used only if it tracks the
     * quantile its trigger's rate asks for now; one of a rate since changed, or of a trigger no
     * longer configured, is dropped and the trigger starts afresh.
     *
     * @param stored estimates by trigger name, e.g. read back from the stage's quantile store
     * @param storedReference the embedding-novelty reference set read back, or null for none
     */
    public NamedTriggers(List<TriggerConfig> triggers, double spreadFloor, Map<String, WarmStartQuantile> stored,
            Reference storedReference) {
        this.triggers = List.copyOf(triggers);
        this.spreadFloor = spreadFloor;
        Objects.requireNonNull(stored, "stored");
        for (TriggerConfig trigger : this.triggers) {
            if (trigger.rule() instanceof TriggerRule.TopRate top) {
                WarmStartQuantile previous = stored.get(trigger.name());
                boolean usable = previous != null && previous.p() == top.quantile();
                estimators.put(trigger.name(),
                        usable ? previous : new WarmStartQuantile(top.quantile(), top.exactObservations()));
            }
        }
        this.usesEmbeddingNovelty = this.triggers.stream()
                .anyMatch(trigger -> trigger.function() == TriggerFunction.EMBEDDING_NOVELTY);
        this.reference = usesEmbeddingNovelty ? storedReference : null;
    }

    /** Whether a trigger uses the embedding-novelty reference set (and so the stage must store it). */
    public boolean usesEmbeddingNovelty() {
        return usesEmbeddingNovelty;
    }

    /** The embedding-novelty reference set, or null while there is none. */
    public Reference reference() {
        return reference;
    }

    /** The reference slot the last {@link #evaluate} wrote, or -1 if it added nothing. */
    public int lastReferenceSlot() {
        return lastReferenceSlot;
    }

    /** Whether the last {@link #evaluate} started the reference set afresh (first frame, or a new model version). */
    public boolean referenceRestarted() {
        return referenceRestarted;
    }

    /** The quantile estimate of each top-rate trigger, by name, in configuration order. */
    public Map<String, WarmStartQuantile> estimators() {
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
        FrameOutputs scored = usesEmbeddingNovelty ? withEmbeddingNovelty(frame) : frame;
        List<FiredTrigger> fired = new ArrayList<>(2);
        double priority = Double.NEGATIVE_INFINITY;
        for (TriggerConfig trigger : triggers) {
            double score = trigger.function().score(scored, spreadFloor);
            if (Double.isNaN(score)) {
                continue;
            }
            double threshold;
            boolean fires;
            if (trigger.rule() instanceof TriggerRule.TopRate top) {
                WarmStartQuantile estimator = estimators.get(trigger.name());
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

    /** Scores the frame's embedding against the reference set, then adds it. */
    private FrameOutputs withEmbeddingNovelty(FrameOutputs frame) {
        lastReferenceSlot = -1;
        referenceRestarted = false;
        if (reference == null || !reference.modelVersion().equals(frame.modelVersion())) {
            reference = new Reference(frame.modelVersion(),
                    new EmbeddingNovelty(NOVELTY_REFERENCE_FRAMES, NOVELTY_NEIGHBOUR));
            referenceRestarted = true;
        }
        EmbeddingNovelty embeddings = reference.embeddings();
        float[] embedding = frame.embedding();
        if (!embeddings.accepts(embedding)) {
            return frame;
        }
        FrameOutputs scored = embeddings.size() == 0 ? frame : frame.withEmbeddingNovelty(embeddings.novelty(embedding));
        lastReferenceSlot = embeddings.add(embedding);
        return scored;
    }
}
