package io.gleaner.scorer;

import com.google.protobuf.ByteString;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * What tests that drive {@link BatchScoringProcessor} directly share: its stores in memory (they
 * outlive a processor, as the changelog does), published models, and frames piped in.
 */
final class ProcessorFixtures {
    private ProcessorFixtures() {}

    static KeyValueStore<Long, BufferedFrame> bufferStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScorerTopology.BATCH_BUFFER_STORE),
                Serdes.Long(), BufferedFrame.serde()).withLoggingDisabled().build();
    }

    static KeyValueStore<String, ModelUpdate> updatesStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScorerTopology.MODEL_UPDATES_STORE),
                Serdes.String(), Topics.MODEL_UPDATES.valueSerde()).withLoggingDisabled().build();
    }

    /** Saves a fresh model as {@code version} under {@code dir} and publishes it into {@code updates}. */
    static void publish(KeyValueStore<String, ModelUpdate> updates, Path dir, String version, long seed) {
        try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(List.of("a", "b")), seed)) {
            ModelArtifact artifact = model.save(dir.resolve(version), version, "", "seed-behavior-cloning", Map.of());
            updates.put(ModelSpec.DEFAULT_MODEL_NAME, ModelUpdate.newBuilder().setModelName(artifact.manifest()
                    .modelName()).setVersion(version).setArtifactUri(artifact.uri().toString())
                    .setArtifactSha256(artifact.sha256()).build());
        }
    }

    /** Frame {@code n} of {@code vehicle}, a 64×64 RAW image of seeded noise, into {@code processor}. */
    static FrameEvent pipe(BatchScoringProcessor processor, MockProcessorContext<String, ScorerOutput> context,
            String vehicle, int n) {
        byte[] pixels = new byte[64 * 64 * 3];
        new Random(vehicle.hashCode() * 31L + n).nextBytes(pixels);
        FrameEvent frame = FrameEvent.newBuilder().setFrameId(vehicle + "-" + n).setVehicleId(vehicle)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                        .setChannels(3).setData(ByteString.copyFrom(pixels)))
                .build();
        context.setRecordMetadata(Topics.FRAMES_VALID.name(), 0, n);
        processor.process(new Record<>(vehicle, frame.toByteArray(), 1_000L + n));
        return frame;
    }

    /** The scored frames {@code context} was given, in order. */
    static List<ScoredFrame> scored(MockProcessorContext<String, ScorerOutput> context) {
        return context.forwarded().stream().map(f -> ((ScorerOutput.Scored) f.record().value()).frame()).toList();
    }
}
