package io.gleaner.uncertainty;

import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs the {@link SelectionPolicy} of one stream task, with its window mirrored slot by slot into
 * the task's window store so that a restarted task resumes with the same window.
 */
final class SelectionProcessor implements Processor<String, ScoredFrame, String, EdgeCase> {
    private final SelectionConfig config;
    private final SelectionMetrics metrics;
    private ProcessorContext<String, EdgeCase> context;
    private KeyValueStore<Integer, Double> store;
    private SelectionPolicy policy;

    SelectionProcessor(SelectionConfig config, SelectionMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, EdgeCase> context) {
        this.context = context;
        this.store = context.getStateStore(SelectionTopology.WINDOW_STORE);
        this.policy = new SelectionPolicy(config, restoreWindow());
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
        metrics.recordSeen();
        if (!selection.harvested()) {
            return;
        }
        EdgeCase.Builder edgeCase = EdgeCase.newBuilder()
                .setScored(scored)
                .setPriority(selection.priority())
                .setHarvestedTimeMs(context.currentSystemTimeMs());
        for (FiredTrigger fired : selection.triggers()) {
            edgeCase.addTriggers(Trigger.newBuilder()
                    .setName(fired.name())
                    .setScore(fired.score())
                    .setThreshold(fired.threshold()));
        }
        context.forward(record.withKey(scored.getFrame().getFrameId()).withValue(edgeCase.build()));
        metrics.recordHarvested();
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
