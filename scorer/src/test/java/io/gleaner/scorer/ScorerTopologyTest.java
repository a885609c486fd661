package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerTopologyTest {
    private static final List<String> CLASSES = List.of("clear_road", "pedestrian_crossing", "stopped_vehicle");
    private static final int BATCH = 4;
    private static final Duration DELAY = Duration.ofMillis(100);

    @TempDir
    static Path artifacts;
    private static ModelArtifact v1;
    private static ModelArtifact v2;

    @TempDir
    Path stateDir;
    private ModelHolder holder;
    private ScorerMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, FrameEvent> frames;
    private TestInputTopic<String, ModelUpdate> updates;
    private TestOutputTopic<String, ScoredFrame> scored;
    private int frameCounter;

    @BeforeAll
    static void saveTwoVersions() {
        try (DrivingModel first = DrivingModel.create(ModelSpec.defaults(CLASSES), 1);
                DrivingModel second = DrivingModel.create(ModelSpec.defaults(CLASSES), 2)) {
            v1 = first.save(artifacts.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
            v2 = second.save(artifacts.resolve("v2"), "v2", "v1", "fine-tune", Map.of());
        }
    }

    @BeforeEach
    void startDriver() {
        holder = new ModelHolder();
        metrics = new ScorerMetrics(holder);
        StreamsBuilder builder = new StreamsBuilder();
        ScorerTopology.build(builder, new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, BATCH, DELAY), holder, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, ScorerTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        frames = driver.createInputTopic(Topics.FRAMES_VALID.name(), Topics.FRAMES_VALID.keySerde().serializer(),
                Topics.FRAMES_VALID.valueSerde().serializer());
        updates = driver.createInputTopic(Topics.MODEL_UPDATES.name(), Topics.MODEL_UPDATES.keySerde().serializer(),
                Topics.MODEL_UPDATES.valueSerde().serializer());
        scored = driver.createOutputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().deserializer(), Topics.FRAMES_SCORED.valueSerde().deserializer());
    }

    @AfterEach
    void stopDriver() {
        driver.close();
        holder.close();
    }

    @Test
    void framesThatArriveBeforeAnyModelWaitAndAreScoredOnceOneIsPublished() {
        List<FrameEvent> sent = pipeFrames("car-1", 3);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(scored.isEmpty()).isTrue();
        assertThat(metrics.framesWaiting()).isEqualTo(3);

        publish(v1, v1.sha256());
        driver.advanceWallClockTime(DELAY);

        List<KeyValue<String, ScoredFrame>> out = scored.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value.getFrame()).containsExactlyElementsOf(sent);
        assertThat(out).allSatisfy(kv -> {
            assertThat(kv.key).isEqualTo("car-1");
            assertThat(kv.value.getModelVersion()).isEqualTo("v1");
            assertThat(kv.value.getSceneClassesList()).isEqualTo(CLASSES);
            assertThat(kv.value.getSceneProbabilitiesList()).hasSize(3);
            assertThat(kv.value.getEmbeddingList()).hasSize(64);
            assertThat(kv.value.getPredictedAction().getSteering()).isBetween(-1f, 1f);
            assertThat(kv.value.getScoredTimeMs()).isPositive();
        });
        assertThat(metrics.framesScored()).isEqualTo(3);
        assertThat(metrics.framesWaiting()).isZero();
        assertThat(metrics.modelVersion()).isEqualTo("v1");
    }

    @Test
    void aFullBatchIsScoredWithoutWaitingForTheClock() {
        publish(v1, v1.sha256());

        pipeFrames("car-1", BATCH - 1);
        assertThat(scored.isEmpty()).isTrue();
        pipeFrames("car-1", 1);

        assertThat(scored.readValuesToList()).hasSize(BATCH);
        assertThat(metrics.batches()).isEqualTo(1);
    }

    @Test
    void aNewVersionIsSwappedInBetweenBatches() {
        publish(v1, v1.sha256());
        FrameEvent probe = frame("car-1", 1000);
        frames.pipeInput("car-1", probe);
        pipeFrames("car-1", BATCH - 1);
        ScoredFrame byV1 = scored.readValuesToList().get(0);

        publish(v2, v2.sha256());
        frames.pipeInput("car-1", probe);
        pipeFrames("car-1", BATCH - 1);
        List<ScoredFrame> afterSwap = scored.readValuesToList();

        assertThat(byV1.getModelVersion()).isEqualTo("v1");
        assertThat(afterSwap).hasSize(BATCH).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v2"));
        assertThat(afterSwap.get(0).getEmbeddingList()).isNotEqualTo(byV1.getEmbeddingList());
        assertThat(holder.currentVersion()).isEqualTo("v2");
    }

    @Test
    void anUpdateWithTheWrongDigestIsRefusedAndTheOldModelKeepsServing() {
        publish(v1, v1.sha256());
        pipeFrames("car-1", BATCH);
        scored.readValuesToList();

        publish(v2, v1.sha256());
        pipeFrames("car-1", BATCH);
        pipeFrames("car-1", BATCH);

        assertThat(scored.readValuesToList()).hasSize(2 * BATCH)
                .allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v1"));
        assertThat(metrics.modelLoadFailures()).as("refused once, not retried every batch").isEqualTo(1);
        assertThat(metrics.lastModelLoadError()).contains("v2", v1.sha256(), v2.sha256());
    }

    @Test
    void eachVehiclesFramesLeaveInTheOrderTheyArrived() {
        publish(v1, v1.sha256());
        List<FrameEvent> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String vehicle = i % 3 == 0 ? "car-a" : "car-b";
            FrameEvent frame = frame(vehicle, i);
            frames.pipeInput(vehicle, frame);
            sent.add(frame);
        }
        driver.advanceWallClockTime(DELAY);

        Map<String, List<String>> outByVehicle = scored.readKeyValuesToList().stream().collect(Collectors.groupingBy(
                kv -> kv.key, Collectors.mapping(kv -> kv.value.getFrame().getFrameId(), Collectors.toList())));
        Map<String, List<String>> sentByVehicle = sent.stream().collect(Collectors.groupingBy(
                FrameEvent::getVehicleId, Collectors.mapping(FrameEvent::getFrameId, Collectors.toList())));
        assertThat(outByVehicle).isEqualTo(sentByVehicle);
    }

    @Test
    void aFrameWhoseImageCannotBeDecodedIsSkippedAndCounted() {
        publish(v1, v1.sha256());
        FrameEvent broken = frame("car-1", 99).toBuilder()
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(64)
                        .setHeight(64).setChannels(3).setData(ByteString.copyFromUtf8("not a png")))
                .build();
        frames.pipeInput("car-1", broken);
        pipeFrames("car-1", BATCH - 1);

        assertThat(scored.readValuesToList()).hasSize(BATCH - 1)
                .noneSatisfy(s -> assertThat(s.getFrame().getFrameId()).isEqualTo(broken.getFrameId()));
        assertThat(metrics.framesSkipped()).isEqualTo(1);
        assertThat(metrics.framesWaiting()).isZero();
    }

    @Test
    void theBatchBufferIsChangelogged() {
        pipeFrames("car-1", 2);

        assertThat(driver.producedTopicNames())
                .contains(ScorerTopology.APPLICATION_ID + "-" + ScorerTopology.BATCH_BUFFER_STORE + "-changelog");
        assertThat(driver.getKeyValueStore(ScorerTopology.BATCH_BUFFER_STORE).approximateNumEntries())
                .isEqualTo(2);
    }

    private void publish(ModelArtifact artifact, String sha256) {
        updates.pipeInput(ModelSpec.DEFAULT_MODEL_NAME, ModelUpdate.newBuilder()
                .setModelName(ModelSpec.DEFAULT_MODEL_NAME)
                .setVersion(artifact.manifest().version())
                .setParentVersion(artifact.manifest().parentVersion())
                .setArtifactUri(artifact.uri().toString())
                .setArtifactSha256(sha256)
                .setCreatedTimeMs(artifact.manifest().createdTimeMs())
                .build());
    }

    private List<FrameEvent> pipeFrames(String vehicle, int count) {
        List<FrameEvent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FrameEvent frame = frame(vehicle, frameCounter++);
            frames.pipeInput(vehicle, frame);
            sent.add(frame);
        }
        return sent;
    }

    private static FrameEvent frame(String vehicle, long n) {
        byte[] pixels = new byte[64 * 64 * 3];
        new Random(n).nextBytes(pixels);
        return FrameEvent.newBuilder()
                .setFrameId(vehicle + "-" + n)
                .setVehicleId(vehicle)
                .setCaptureTimeMs(1_000_000 + n)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                        .setChannels(3).setData(ByteString.copyFrom(pixels)))
                .setHumanAction(DriverAction.newBuilder().setSteering(0.1f).setAcceleration(0.2f))
                .build();
    }
}
