package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
 * Two stream tasks on one stream thread, as a scorer with more partitions than stream threads runs
 * them: they share the thread's predictor, each with its own batch in flight, and one of them
 * swaps the model while the other's batch still holds a lease on the old one. TopologyTestDriver
 * runs one task, so the tasks here are two processors over stores of their own.
 */
class TasksSharingAStreamThreadTest {
    private static final int BATCH = 4;
    private static final ScorerConfig CONFIG = new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, BATCH,
            Duration.ofMillis(100)).withTimeLimits(Duration.ofSeconds(30), Duration.ofMinutes(10));

    @Test
    void eachTaskScoresItsOwnFramesOnceInOrderAcrossASwapWhileTheOtherHasABatchInFlight(@TempDir Path dir) {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            KeyValueStore<String, ModelUpdate> updates = ProcessorFixtures.updatesStore();
            try (ModelHolder holder = new ModelHolder()) {
                ScorerMetrics metrics = new ScorerMetrics(holder);
                ModelFollower follower = new ModelFollower(CONFIG.modelName(), holder, metrics);
                MockProcessorContext<String, ScorerOutput> x = context(updates, true);
                MockProcessorContext<String, ScorerOutput> y = context(updates, false);
                ProcessorFixtures.publish(updates, dir, "v1", 1);
                BatchScoringProcessor taskX = processor(holder, follower, metrics);
                BatchScoringProcessor taskY = processor(holder, follower, metrics);
                taskX.init(x);
                taskY.init(y);

                List<FrameEvent> sentX = new ArrayList<>();
                List<FrameEvent> sentY = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    sentX.add(ProcessorFixtures.pipe(taskX, x, "x", i));
                }
                // X's batch is (almost always) still in the forward thread: Y's waits for it, not fails.
                for (int i = 0; i < BATCH; i++) {
                    sentY.add(ProcessorFixtures.pipe(taskY, y, "y", i));
                }
                // Y's batch holds a lease on v1 while X loads and swaps in v2 on the same thread.
                ProcessorFixtures.publish(updates, dir, "v2", 2);
                for (int i = BATCH; i < 2 * BATCH; i++) {
                    sentX.add(ProcessorFixtures.pipe(taskX, x, "x", i));
                }
                x.scheduledPunctuators().get(0).getPunctuator().punctuate(x.currentSystemTimeMs());
                y.scheduledPunctuators().get(0).getPunctuator().punctuate(y.currentSystemTimeMs());

                List<ScoredFrame> outX = ProcessorFixtures.scored(x);
                List<ScoredFrame> outY = ProcessorFixtures.scored(y);
                assertThat(outX).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sentX);
                assertThat(outY).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sentY);
                assertThat(outX.subList(0, BATCH)).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v1"));
                assertThat(outX.subList(BATCH, 2 * BATCH))
                        .allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v2"));
                assertThat(outY).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v1"));
                assertThat(metrics.batchFailures()).isZero();
                assertThat(metrics.modelLoadFailures()).isZero();
                assertThat(metrics.framesWaiting()).isZero();
                assertThat(holder.currentVersion()).isEqualTo("v2");
                taskX.close();
                taskY.close();
            }
        });
    }

    private static BatchScoringProcessor processor(ModelHolder holder, ModelFollower follower, ScorerMetrics metrics) {
        return new BatchScoringProcessor(CONFIG, holder, follower, metrics, PredictorFactory.BATCH_PREDICTOR);
    }

    private static MockProcessorContext<String, ScorerOutput> context(KeyValueStore<String, ModelUpdate> updates,
            boolean initUpdates) {
        MockProcessorContext<String, ScorerOutput> context = new MockProcessorContext<>();
        KeyValueStore<Long, BufferedFrame> buffer = ProcessorFixtures.bufferStore();
        buffer.init(context.getStateStoreContext(), buffer);
        if (initUpdates) {
            updates.init(context.getStateStoreContext(), updates);
        }
        context.addStateStore(buffer);
        context.addStateStore(updates);
        context.setCurrentSystemTimeMs(1_000_000);
        return context;
    }
}
