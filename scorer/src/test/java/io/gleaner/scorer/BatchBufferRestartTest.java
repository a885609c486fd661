package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart of the scoring processor over the batch buffer it left behind. TopologyTestDriver cannot
 * show this: its close() deletes the task directories (StateDirectory.clean()), a new driver
 * restores nothing from the changelog, and RocksDB had written no SST file to copy aside (Kafka
 * Streams disables its WAL). So the store outlives the processor here, as it does when Kafka
 * Streams restores it from the changelog after a crash.
 */
class BatchBufferRestartTest {
    // Unhurried time limits: one punctuation scores every frame however loaded the machine is.
    private static final ScorerConfig CONFIG = new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, 4, Duration.ofMillis(100))
            .withTimeLimits(Duration.ofSeconds(30), Duration.ofMinutes(10));

    @Test
    void framesBufferedBeforeARestartAreScoredExactlyOnceAfterItAndNewFramesDoNotOverwriteThem(
            @TempDir Path dir) {
        // Regression guard: a sequence counter that restarted at 0 would overwrite the frames still
        // buffered under 0, 1, ... and lose them.
        KeyValueStore<Long, BufferedFrame> buffer = ProcessorFixtures.bufferStore();
        KeyValueStore<String, ModelUpdate> updates = ProcessorFixtures.updatesStore();
        List<FrameEvent> sent = new ArrayList<>();
        try (ModelHolder holder = new ModelHolder()) {
            ScorerMetrics metrics = new ScorerMetrics(holder);

            MockProcessorContext<String, ScorerOutput> before = context(buffer, updates, true);
            BatchScoringProcessor first = processor(holder, metrics);
            first.init(before);
            for (int i = 0; i < 3; i++) {
                sent.add(pipe(first, before, i));
            }
            first.close(); // the instance goes away; the store (its changelog) keeps the frames

            MockProcessorContext<String, ScorerOutput> after = context(buffer, updates, false);
            BatchScoringProcessor second = processor(holder, metrics);
            second.init(after);
            assertThat(metrics.framesWaiting()).as("the frames left behind are counted again").isEqualTo(3);
            sent.add(pipe(second, after, 3)); // a full batch of 4: waits, there is no model yet
            sent.add(pipe(second, after, 4));
            assertThat(buffer.approximateNumEntries()).as("no buffered frame was overwritten").isEqualTo(5);

            ProcessorFixtures.publish(updates, dir, "v1", 1);
            after.scheduledPunctuators().get(0).getPunctuator().punctuate(after.currentSystemTimeMs());

            List<FrameEvent> scored = scoredFrames(after);
            assertThat(scored).as("every frame once, in arrival order").containsExactlyElementsOf(sent);
            assertThat(buffer.approximateNumEntries()).isZero();
            assertThat(metrics.framesWaiting()).isZero();
            second.close();
        }
    }

    @Test
    void aBatchStillInItsForwardPassWhenTheTaskClosesIsScoredOnceAfterTheRestart(@TempDir Path dir) {
        KeyValueStore<Long, BufferedFrame> buffer = ProcessorFixtures.bufferStore();
        KeyValueStore<String, ModelUpdate> updates = ProcessorFixtures.updatesStore();
        List<FrameEvent> sent = new ArrayList<>();
        try (ModelHolder holder = new ModelHolder()) {
            ScorerMetrics metrics = new ScorerMetrics(holder);
            MockProcessorContext<String, ScorerOutput> before = context(buffer, updates, true);
            ProcessorFixtures.publish(updates, dir, "v1", 1);
            BatchScoringProcessor first = processor(holder, metrics);
            first.init(before);
            // Two full batches: the first is forwarded when the second is handed over, and the
            // second is (almost always) still in its forward pass when the task closes.
            for (int i = 0; i < 8; i++) {
                sent.add(pipe(first, before, i));
            }
            first.close();
            List<FrameEvent> scoredBefore = scoredFrames(before);
            assertThat(scoredBefore).as("the first batch went out before the second was handed over")
                    .hasSizeGreaterThanOrEqualTo(4);

            MockProcessorContext<String, ScorerOutput> after = context(buffer, updates, false);
            BatchScoringProcessor second = processor(holder, metrics);
            second.init(after);
            assertThat(metrics.framesWaiting()).as("what was in flight is still buffered")
                    .isEqualTo(8 - scoredBefore.size());
            after.scheduledPunctuators().get(0).getPunctuator().punctuate(after.currentSystemTimeMs());

            List<FrameEvent> scored = new ArrayList<>(scoredBefore);
            scored.addAll(scoredFrames(after));
            assertThat(scored).as("every frame once, in arrival order, across the close").containsExactlyElementsOf(sent);
            assertThat(buffer.approximateNumEntries()).isZero();
            assertThat(metrics.framesWaiting()).isZero();
            second.close();
        }
    }

    private static List<FrameEvent> scoredFrames(MockProcessorContext<String, ScorerOutput> context) {
        return ProcessorFixtures.scored(context).stream().map(ScoredFrame::getFrame).toList();
    }

    private static BatchScoringProcessor processor(ModelHolder holder, ScorerMetrics metrics) {
        return new BatchScoringProcessor(CONFIG, holder,
                new ModelFollower(CONFIG.modelName(), holder, metrics), metrics,
                PredictorFactory.BATCH_PREDICTOR);
    }

    private static MockProcessorContext<String, ScorerOutput> context(KeyValueStore<Long, BufferedFrame> buffer,
            KeyValueStore<String, ModelUpdate> updates, boolean initStores) {
        MockProcessorContext<String, ScorerOutput> context = new MockProcessorContext<>();
        if (initStores) {
            buffer.init(context.getStateStoreContext(), buffer);
            updates.init(context.getStateStoreContext(), updates);
        }
        context.addStateStore(buffer);
        context.addStateStore(updates);
        context.setCurrentSystemTimeMs(1_000_000);
        return context;
    }

    private static FrameEvent pipe(BatchScoringProcessor processor, MockProcessorContext<String, ScorerOutput> context,
            int n) {
        return ProcessorFixtures.pipe(processor, context, "car-1", n);
    }
}
