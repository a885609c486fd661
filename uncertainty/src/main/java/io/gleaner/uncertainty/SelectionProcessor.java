package io.gleaner.uncertainty;

import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import io.gleaner.schema.v1.TriggerYield;
import io.gleaner.uncertainty.acquisition.EmbeddingNovelty;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Runs the {@link SelectionPolicy} and the {@link NamedTriggers} of one stream task, with the
 * policy's window mirrored slot by slot into the task's window store and each top-rate trigger's
 * quantile estimate into the quantile store, so that a restarted task resumes where it stopped.
 */
final class SelectionProcessor implements Processor<String, ScoredFrame, String, EdgeCase> {
    private final SelectionConfig config;
    private final SelectionMetrics metrics;
    private ProcessorContext<String, EdgeCase> context;
    private KeyValueStore<Integer, Double> store;
    private KeyValueStore<String, byte[]> quantiles;
    private KeyValueStore<String, byte[]> recentHarvests;
    private KeyValueStore<Integer, byte[]> noveltyReference;
    private ReadOnlyKeyValueStore<String, Campaign> campaigns;
    private KeyValueStore<String, byte[]> flickerHistory;
    private ReadOnlyKeyValueStore<String, TriggerYield> yields;
    private SelectionPolicy policy;
    private NamedTriggers triggers;

    SelectionProcessor(SelectionConfig config, SelectionMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, EdgeCase> context) {
        this.context = context;
        this.store = context.getStateStore(SelectionTopology.WINDOW_STORE);
        this.policy = new SelectionPolicy(config, restoreWindow());
        this.quantiles = context.getStateStore(SelectionTopology.QUANTILE_STORE);
        this.recentHarvests = context.getStateStore(SelectionTopology.RECENT_HARVESTS_STORE);
        this.noveltyReference = context.getStateStore(SelectionTopology.NOVELTY_STORE);
        this.campaigns = context.getStateStore(SelectionTopology.CAMPAIGN_STORE);
        this.yields = context.getStateStore(SelectionTopology.TRIGGER_YIELD_STORE);
        this.flickerHistory = config.flicker().enabled() ? context.getStateStore(SelectionTopology.FLICKER_STORE) : null;
        this.triggers = new NamedTriggers(config.triggers(), config.actionSpreadFloor(), restoreQuantiles(),
                restoreReference());
    }

    @Override
    public void process(Record<String, ScoredFrame> record) {
        ScoredFrame scored = record.value();
        var predicted = scored.getPredictedAction();
        var human = scored.getFrame().getHumanAction();
        float[] probabilities = new float[scored.getSceneProbabilitiesCount()];
        for (int i = 0; i < probabilities.length; i++) {
            probabilities[i] = scored.getSceneProbabilities(i);
        }
        Selection selection = policy.select(probabilities, predicted.getSteering(), predicted.getAcceleration(),
                human.getSteering(), human.getAcceleration());
        persistNewestScore();
        float[] embedding = embedding(scored);
        NamedTriggers.Evaluation named = triggers.evaluate(new FrameOutputs(probabilities,
                predicted.getSteering(), predicted.getAcceleration(), human.getSteering(), human.getAcceleration(),
                scored.getSteeringSpread(), scored.getAccelerationSpread(), scored.getNovelty(),
                scored.getModelVersion(), embedding));
        triggers.estimators().forEach((name, estimator) -> quantiles.put(name, estimator.toBytes()));
        persistReference();
        List<FiredTrigger> campaignsFired = evaluateCampaigns(embedding, record.timestamp());
        List<FlickerHistory.Fired> flickered = flickerHistory == null ? List.of()
                : observeFlicker(record.key(), scored, probabilities, record.timestamp());
        metrics.recordSeen();
        if (!selection.harvested() && !named.anyFired() && campaignsFired.isEmpty() && flickered.isEmpty()) {
            return;
        }
        if (config.duplicates().enabled() && isNearDuplicate(record.key(), scored, record.timestamp())) {
            metrics.recordDuplicate();
            return;
        }
        double priority = Math.max(selection.priority(), named.priority());
        for (FiredTrigger fired : campaignsFired) {
            priority = Math.max(priority, fired.score());
        }
        for (FlickerHistory.Fired fired : flickered) {
            priority = Math.max(priority, fired.priority());
        }
        EdgeCase.Builder edgeCase = EdgeCase.newBuilder()
                .setScored(scored)
                .setHarvestedTimeMs(context.currentSystemTimeMs());
        for (FiredTrigger fired : selection.triggers()) {
            addTrigger(edgeCase, fired);
        }
        for (FiredTrigger fired : named.fired()) {
            addTrigger(edgeCase, fired);
        }
        for (FlickerHistory.Fired fired : flickered) {
            addTrigger(edgeCase, fired.trigger());
        }
        for (FiredTrigger fired : campaignsFired) {
            addTrigger(edgeCase, fired);
        }
        edgeCase.setPriority(priority * yieldMultiplier(edgeCase.getTriggersList()));
        context.forward(record.withKey(scored.getFrame().getFrameId()).withValue(edgeCase.build()));
        metrics.recordHarvested();
    }

    /**
     * The campaign triggers that fire on the frame, in campaign id order. A campaign that is not
     * valid never reaches the table ({@link CampaignTableProcessor}), so each converts.
     */
    private List<FiredTrigger> evaluateCampaigns(float[] embedding, long timeMs) {
        if (embedding.length == 0) {
            return List.of();
        }
        List<FiredTrigger> fired = new ArrayList<>(1);
        try (KeyValueIterator<String, Campaign> all = campaigns.all()) {
            while (all.hasNext()) {
                FiredTrigger trigger = CampaignSpec.of(all.next().value).evaluate(embedding, timeMs);
                if (trigger != null) {
                    fired.add(trigger);
                }
            }
        }
        return fired;
    }

    /**
     * The largest {@code K · share} among the fired triggers that have feedback ({@code K} triggers
     * with feedback in all), or 1 when none has or yield feedback is off; see {@link TriggerYieldConfig}.
     */
    private double yieldMultiplier(List<Trigger> fired) {
        Map<String, TriggerYield> known = new HashMap<>();
        try (KeyValueIterator<String, TriggerYield> all = yields.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                known.put(entry.key, entry.value);
                metrics.recordYield(entry.value);
            }
        }
        if (!config.yield().enabled()) {
            return 1.0;
        }
        double multiplier = Double.NEGATIVE_INFINITY;
        for (Trigger trigger : fired) {
            TriggerYield yield = known.get(trigger.getName());
            if (yield != null) {
                multiplier = Math.max(multiplier, known.size() * yield.getShare());
            }
        }
        return multiplier == Double.NEGATIVE_INFINITY ? 1.0 : multiplier;
    }

    /** Adds the frame to its vehicle's flicker history and says which flicker triggers fire on it. */
    private List<FlickerHistory.Fired> observeFlicker(String key, ScoredFrame scored, float[] probabilities,
                                                      long timeMs) {
        String vehicle = scored.getFrame().getVehicleId().isEmpty() ? String.valueOf(key) : scored.getFrame().getVehicleId();
        byte[] stored = flickerHistory.get(vehicle);
        FlickerHistory history = stored == null ? new FlickerHistory() : FlickerHistory.fromBytes(stored);
        int sceneClass = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[sceneClass]) {
                sceneClass = i;
            }
        }
        var predicted = scored.getPredictedAction();
        var human = scored.getFrame().getHumanAction();
        List<FlickerHistory.Fired> fired = history.observe(sceneClass, predicted.getSteering(),
                predicted.getAcceleration(), human.getSteering(), human.getAcceleration(), timeMs, config.flicker());
        flickerHistory.put(vehicle, history.toBytes());
        return fired;
    }

    private void addTrigger(EdgeCase.Builder edgeCase, FiredTrigger fired) {
        edgeCase.addTriggers(Trigger.newBuilder()
                .setName(fired.name())
                .setScore(fired.score())
                .setThreshold(fired.threshold()));
        metrics.recordFired(fired.name());
    }

    /**
     * Whether the frame is too similar to one harvested lately from its vehicle; if not, and it has
     * an embedding, it is remembered as harvested.
     */
    private boolean isNearDuplicate(String key, ScoredFrame scored, long timeMs) {
        if (scored.getEmbeddingCount() == 0) {
            return false;
        }
        String vehicle = scored.getFrame().getVehicleId().isEmpty() ? String.valueOf(key) : scored.getFrame().getVehicleId();
        float[] embedding = embedding(scored);
        DuplicateSuppression settings = config.duplicates();
        byte[] stored = recentHarvests.get(vehicle);
        RecentHarvests recent = stored == null ? new RecentHarvests() : RecentHarvests.fromBytes(stored);
        if (recent.maxSimilarity(embedding, timeMs, settings.horizon().toMillis()) >= settings.minSimilarity()) {
            return true;
        }
        recent.add(embedding, timeMs, settings.perVehicle());
        recentHarvests.put(vehicle, recent.toBytes());
        return false;
    }

    private static float[] embedding(ScoredFrame scored) {
        float[] embedding = new float[scored.getEmbeddingCount()];
        for (int i = 0; i < embedding.length; i++) {
            embedding[i] = scored.getEmbedding(i);
        }
        return embedding;
    }

    /** Mirrors what the last frame changed in the embedding-novelty reference set into its store. */
    private void persistReference() {
        if (!triggers.usesEmbeddingNovelty()) {
            return;
        }
        NamedTriggers.Reference reference = triggers.reference();
        if (triggers.referenceRestarted()) {
            for (int slot = 0; slot < NamedTriggers.NOVELTY_REFERENCE_FRAMES; slot++) {
                noveltyReference.delete(slot);
            }
            noveltyReference.put(SelectionTopology.REFERENCE_VERSION_KEY,
                    reference.modelVersion().getBytes(StandardCharsets.UTF_8));
        }
        int slot = triggers.lastReferenceSlot();
        if (slot >= 0) {
            EmbeddingNovelty embeddings = reference.embeddings();
            noveltyReference.put(slot, floatBytes(embeddings.embedding(slot)));
            noveltyReference.put(SelectionTopology.REFERENCE_ADDED_KEY,
                    ByteBuffer.allocate(Long.BYTES).putLong(embeddings.added()).array());
        } else if (triggers.referenceRestarted()) {
            noveltyReference.put(SelectionTopology.REFERENCE_ADDED_KEY, ByteBuffer.allocate(Long.BYTES).putLong(0).array());
        }
    }

    private NamedTriggers.Reference restoreReference() {
        byte[] version = noveltyReference.get(SelectionTopology.REFERENCE_VERSION_KEY);
        byte[] added = noveltyReference.get(SelectionTopology.REFERENCE_ADDED_KEY);
        if (version == null || added == null) {
            return null;
        }
        long count = ByteBuffer.wrap(added).getLong();
        int held = (int) Math.min(count, NamedTriggers.NOVELTY_REFERENCE_FRAMES);
        float[][] slots = new float[NamedTriggers.NOVELTY_REFERENCE_FRAMES][];
        for (int slot = 0; slot < held; slot++) {
            byte[] bytes = noveltyReference.get(slot);
            if (bytes == null) {
                throw new IllegalStateException("store " + SelectionTopology.NOVELTY_STORE + " of task " + context.taskId()
                        + " says " + count + " embeddings were added but slot " + slot
                        + " is missing; delete the task's state directory to start the reference afresh");
            }
            FloatBuffer floats = ByteBuffer.wrap(bytes).asFloatBuffer();
            slots[slot] = new float[floats.remaining()];
            floats.get(slots[slot]);
        }
        return new NamedTriggers.Reference(new String(version, StandardCharsets.UTF_8),
                EmbeddingNovelty.restore(NamedTriggers.NOVELTY_NEIGHBOUR, count, slots));
    }

    private static byte[] floatBytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private Map<String, WarmStartQuantile> restoreQuantiles() {
        Map<String, WarmStartQuantile> stored = new HashMap<>();
        for (TriggerConfig trigger : config.triggers()) {
            byte[] bytes = quantiles.get(trigger.name());
            if (bytes != null && trigger.rule() instanceof TriggerRule.TopRate top) {
                stored.put(trigger.name(), WarmStartQuantile.fromBytes(bytes, top.exactObservations()));
            }
        }
        return stored;
    }

    private void persistNewestScore() {
        ScoreWindow window = policy.window();
        int slot = (int) ((window.added() - 1) % window.capacity());
        store.put(slot, window.score(slot));
        store.put(SelectionTopology.ADDED_KEY, (double) window.added());
    }

    private ScoreWindow restoreWindow() {
        Double storedCapacity = store.get(SelectionTopology.CAPACITY_KEY);
        if (storedCapacity == null) {
            store.put(SelectionTopology.CAPACITY_KEY, (double) config.windowSize());
            store.put(SelectionTopology.ADDED_KEY, 0.0);
            return new ScoreWindow(config.windowSize());
        }
        int capacity = storedCapacity.intValue();
        long added = store.get(SelectionTopology.ADDED_KEY).longValue();
        int held = (int) Math.min(added, capacity);
        double[] slots = new double[capacity];
        for (int slot = 0; slot < held; slot++) {
            Double score = store.get(slot);
            if (score == null) {
                throw new IllegalStateException("window store " + SelectionTopology.WINDOW_STORE + " of task "
                        + context.taskId() + " says " + added + " scores were added but slot " + slot
                        + " is missing; delete the task's state directory to start the window afresh");
            }
            slots[slot] = score;
        }
        ScoreWindow window = ScoreWindow.restore(added, slots);
        if (capacity == config.windowSize()) {
            return window;
        }
        // The window size changed between runs: keep the newest scores and rewrite the ring.
        ScoreWindow resized = window.resized(config.windowSize());
        for (int slot = 0; slot < capacity; slot++) {
            store.delete(slot);
        }
        for (int slot = 0; slot < resized.size(); slot++) {
            store.put(slot, resized.score(slot));
        }
        store.put(SelectionTopology.CAPACITY_KEY, (double) resized.capacity());
        store.put(SelectionTopology.ADDED_KEY, (double) resized.added());
        return resized;
    }
}
