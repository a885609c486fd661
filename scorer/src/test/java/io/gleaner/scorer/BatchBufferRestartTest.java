package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
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
        KeyValueStore<Long, BufferedFrame> buffer = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ScorerTopology.BATCH_BUFFER_STORE), Serdes.Long(),
                        BufferedFrame.serde())
                .withLoggingDisabled().build();
        KeyValueStore<String, ModelUpdate> updates = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ScorerTopology.MODEL_UPDATES_STORE), Serdes.String(),
                        Topics.MODEL_UPDATES.valueSerde())
                .withLoggingDisabled().build();
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

            try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(List.of("a", "b")), 1)) {
                ModelArtifact v1 = model.save(dir.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
                updates.put(ModelSpec.DEFAULT_MODEL_NAME, ModelUpdate.newBuilder().setModelName(v1.manifest()
                        .modelName()).setVersion("v1").setArtifactUri(v1.uri().toString())
                        .setArtifactSha256(v1.sha256()).build());
            }
            after.scheduledPunctuators().get(0).getPunctuator().punctuate(after.currentSystemTimeMs());

            List<FrameEvent> scored = after.forwarded().stream()
                    .map(f -> ((ScorerOutput.Scored) f.record().value()).frame().getFrame())
                    .toList();
            assertThat(scored).as("every frame once, in arrival order").containsExactlyElementsOf(sent);
            assertThat(buffer.approximateNumEntries()).isZero();
            assertThat(metrics.framesWaiting()).isZero();
            second.close();
        }
    }

    @Test
    void aBatchStillInItsForwardPassWhenTheTaskClosesIsScoredOnceAfterTheRestart(@TempDir Path dir) {
        KeyValueStore<Long, BufferedFrame> buffer = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ScorerTopology.BATCH_BUFFER_STORE), Serdes.Long(),
                        BufferedFrame.serde())
                .withLoggingDisabled().build();
        KeyValueStore<String, ModelUpdate> updates = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(ScorerTopology.MODEL_UPDATES_STORE), Serdes.String(),
                        Topics.MODEL_UPDATES.valueSerde())
                .withLoggingDisabled().build();
        List<FrameEvent> sent = new ArrayList<>();
        try (ModelHolder holder = new ModelHolder()) {
            ScorerMetrics metrics = new ScorerMetrics(holder);
            MockProcessorContext<String, ScorerOutput> before = context(buffer, updates, true);
            try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(List.of("a", "b")), 1)) {
                ModelArtifact v1 = model.save(dir.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
                updates.put(ModelSpec.DEFAULT_MODEL_NAME, ModelUpdate.newBuilder().setModelName(v1.manifest()
                        .modelName()).setVersion("v1").setArtifactUri(v1.uri().toString())
                        .setArtifactSha256(v1.sha256()).build());
            }
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
        return context.forwarded().stream()
                .map(f -> ((ScorerOutput.Scored) f.record().value()).frame().getFrame())
                .toList();
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
        byte[] pixels = new byte[64 * 64 * 3];
        new Random(n).nextBytes(pixels);
        FrameEvent frame = FrameEvent.newBuilder().setFrameId("car-1-" + n).setVehicleId("car-1")
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                        .setChannels(3).setData(ByteString.copyFrom(pixels)))
                .build();
        context.setRecordMetadata(Topics.FRAMES_VALID.name(), 0, n);
        processor.process(new Record<>("car-1", frame.toByteArray(), 1_000L + n));
        return frame;
    }
}
