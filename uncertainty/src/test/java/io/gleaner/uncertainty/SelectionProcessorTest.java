package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ScoredFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** A restart is a new processor over the same (restored) stores; it must decide as if never stopped. */
class SelectionProcessorTest {
    private static final SelectionConfig CONFIG = new SelectionConfig(0.10, 50, 0.3, 0.7, 10);

    @Test
    void aRestartedProcessorResumesWithTheSameWindow() {
        List<ScoredFrame> frames = frames(200);
        List<String> uninterrupted = harvest(frames, newStore(), newQuantileStore(),
                newSlotStore(SelectionTopology.NOVELTY_STORE), CONFIG, 0, frames.size());

        KeyValueStore<Integer, Double> store = newStore();
        KeyValueStore<String, byte[]> quantiles = newQuantileStore();
        KeyValueStore<Integer, byte[]> reference = newSlotStore(SelectionTopology.NOVELTY_STORE);
        List<String> restarted = new ArrayList<>(harvest(frames, store, quantiles, reference, CONFIG, 0, 120));
        restarted.addAll(harvest(frames, store, quantiles, reference, CONFIG, 120, frames.size()));

        assertThat(uninterrupted).isNotEmpty();
        assertThat(restarted).isEqualTo(uninterrupted);
        assertThat(store.get(SelectionTopology.ADDED_KEY)).isEqualTo(200.0);
        // the default triggers' estimates were restored, not restarted: each saw all 200 scores (the
        // embedding-novelty one all but the first frame's, which had nothing to be compared with)
        assertThat(WarmStartQuantile.fromBytes(quantiles.get("action-surprise"), 500).count()).isEqualTo(200);
        assertThat(WarmStartQuantile.fromBytes(quantiles.get("embedding-novelty"), 500).count()).isEqualTo(199);
    }

    @Test
    void aChangedWindowSizeKeepsTheNewestScores() {
        List<ScoredFrame> frames = frames(80);
        KeyValueStore<Integer, Double> store = newStore();
        KeyValueStore<String, byte[]> quantiles = newQuantileStore();
        harvest(frames, store, quantiles, newSlotStore(SelectionTopology.NOVELTY_STORE), CONFIG, 0, 80);
        double[] newest = new double[20];
        for (int i = 0; i < 20; i++) {
            newest[i] = store.get((60 + i) % 50);
        }

        SelectionConfig smaller = new SelectionConfig(0.10, 20, 0.3, 0.7, 10);
        harvest(frames, store, quantiles, newSlotStore(SelectionTopology.NOVELTY_STORE), smaller, 0, 0);

        assertThat(store.get(SelectionTopology.CAPACITY_KEY)).isEqualTo(20.0);
        assertThat(store.get(SelectionTopology.ADDED_KEY)).isEqualTo(20.0);
        for (int i = 0; i < 20; i++) {
            assertThat(store.get(i)).isEqualTo(newest[i]);
        }
        assertThat(store.get(20)).isNull();
    }

    private static List<String> harvest(List<ScoredFrame> frames, KeyValueStore<Integer, Double> store,
            KeyValueStore<String, byte[]> quantiles, KeyValueStore<Integer, byte[]> reference, SelectionConfig config,
            int from, int to) {
        MockProcessorContext<String, EdgeCase> context = new MockProcessorContext<>();
        context.addStateStore(store);
        context.addStateStore(quantiles);
        context.addStateStore(newByteStore(SelectionTopology.RECENT_HARVESTS_STORE));
        context.addStateStore(reference);
        context.addStateStore(emptyStore(SelectionTopology.CAMPAIGN_STORE, Topics.CAMPAIGNS.keySerde(),
                Topics.CAMPAIGNS.valueSerde()));
        context.addStateStore(emptyStore(SelectionTopology.TRIGGER_YIELD_STORE, Topics.TRIGGER_YIELD.keySerde(),
                Topics.TRIGGER_YIELD.valueSerde()));
        context.setCurrentSystemTimeMs(5_000L);
        SelectionProcessor processor = new SelectionProcessor(config, new SelectionMetrics());
        processor.init(context);
        for (int i = from; i < to; i++) {
            processor.process(new Record<>("v-1", frames.get(i), i));
        }
        return context.forwarded().stream().<String>map(forwarded -> forwarded.record().key()).toList();
    }

    @SuppressWarnings("deprecation")
    private static KeyValueStore<Integer, Double> newStore() {
        KeyValueStore<Integer, Double> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SelectionTopology.WINDOW_STORE), Serdes.Integer(), Serdes.Double())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<String, EdgeCase> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private static KeyValueStore<String, byte[]> newQuantileStore() {
        return newByteStore(SelectionTopology.QUANTILE_STORE);
    }

    @SuppressWarnings("deprecation")
    private static KeyValueStore<String, byte[]> newByteStore(String name) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<String, EdgeCase> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    @SuppressWarnings("deprecation")
    private static KeyValueStore<Integer, byte[]> newSlotStore(String name) {
        KeyValueStore<Integer, byte[]> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(name), Serdes.Integer(), Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<String, EdgeCase> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    @SuppressWarnings("deprecation")
    private static <K, V> KeyValueStore<K, V> emptyStore(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        KeyValueStore<K, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), keySerde, valueSerde)
                .withLoggingDisabled()
                .build();
        store.init(new MockProcessorContext<String, EdgeCase>().getStateStoreContext(), store);
        return store;
    }

    private static List<ScoredFrame> frames(int count) {
        Random random = new Random(3);
        List<ScoredFrame> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float unsure = (float) random.nextDouble() * 0.5f;
            double angle = random.nextDouble() * 2 * Math.PI;
            frames.add(ScoredFrame.newBuilder()
                    .addEmbedding((float) Math.cos(angle))
                    .addEmbedding((float) Math.sin(angle))
                    .setFrame(FrameEvent.newBuilder().setFrameId("f-" + i)
                            .setHumanAction(DriverAction.newBuilder()
                                    .setSteering((float) random.nextDouble() * 2 - 1).setAcceleration(0.2f)))
                    .addAllSceneProbabilities(List.of(1f - unsure, unsure))
                    .setPredictedAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0.2f))
                    .build());
        }
        return frames;
    }
}
