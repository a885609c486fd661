package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelectionTopologyTest {
    /** Keep 10% of a 100-score window once it holds 20; no named triggers (NamedTriggerTopologyTest has those). */
    private static final SelectionConfig CONFIG = new SelectionConfig(0.10, 100, 0.3, 0.7, 20).withTriggers(List.of());
    /** Every 25th frame: predicted (0.8, 0.6) vs human (-0.8, -0.6), distance 2, so 2 / (2√2) = 1/√2. */
    private static final int SPIKE_EVERY = 25;
    /** 0.3 · H(0.98, 0.01, 0.01) / ln 3 + 0.7 / √2 = 0.3 · 0.1018576 + 0.7 · 0.7071068 (float inputs). */
    private static final double SPIKE_SCORE = 0.5255320456051081;

    @TempDir
    Path stateDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<String, EdgeCase> edgeCases;

    @BeforeEach
    void startDriver() {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, CONFIG, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, SelectionTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(1_000_000L));
        scored = driver.createInputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().serializer(), Topics.FRAMES_SCORED.valueSerde().serializer());
        edgeCases = driver.createOutputTopic(Topics.EDGE_CASES.name(),
                Topics.EDGE_CASES.keySerde().deserializer(), Topics.EDGE_CASES.valueSerde().deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void highDisagreementFramesAmongLowOnesComeOutKeyedByFrameIdWithTheirTriggers() {
        List<String> spikes = pipeFrames(400);

        Map<String, EdgeCase> harvested = edgeCases.readKeyValuesToMap();
        assertThat(harvested).containsKeys(spikes.toArray(String[]::new));
        for (String frameId : spikes) {
            EdgeCase edgeCase = harvested.get(frameId);
            assertThat(edgeCase.getScored().getFrame().getFrameId()).isEqualTo(frameId);
            assertThat(edgeCase.getPriority()).isCloseTo(SPIKE_SCORE, within(1e-6));
            assertThat(edgeCase.getHarvestedTimeMs()).isEqualTo(1_000_000L);
            assertThat(edgeCase.getTriggersList()).extracting(Trigger::getName)
                    .containsExactly(SelectionPolicy.ACTION_DISAGREEMENT, SelectionPolicy.COMBINED);
            Trigger action = edgeCase.getTriggers(0);
            assertThat(action.getScore()).isCloseTo(Math.sqrt(0.5), within(1e-6));
            assertThat(action.getThreshold()).isEqualTo(0.15);
            Trigger combined = edgeCase.getTriggers(1);
            assertThat(combined.getScore()).isEqualTo(edgeCase.getPriority());
            // The window's top-10% threshold is a quiet frame's score, far below a spike's.
            assertThat(combined.getThreshold()).isLessThan(0.06);
        }
        // Quiet frames carry only the combined trigger, and the top 10% holds 4% spikes, so about
        // 6% of the 380 post-warm-up quiet frames join them.
        harvested.values().stream()
                .filter(edgeCase -> !spikes.contains(edgeCase.getScored().getFrame().getFrameId()))
                .forEach(edgeCase -> assertThat(edgeCase.getTriggersList()).extracting(Trigger::getName)
                        .containsExactly(SelectionPolicy.COMBINED));
        assertThat(harvested).hasSizeBetween(spikes.size() + 10, spikes.size() + 40);
        assertThat(metrics.framesSeen()).isEqualTo(400);
        assertThat(metrics.harvested()).isEqualTo(harvested.size());
    }

    @Test
    void theWindowLivesInTheStoreAndItsChangelog() {
        pipeFrames(130);
        KeyValueStore<Integer, Double> store = driver.getKeyValueStore(SelectionTopology.WINDOW_STORE);
        assertThat(store.get(SelectionTopology.ADDED_KEY)).isEqualTo(130.0);
        assertThat(store.get(SelectionTopology.CAPACITY_KEY)).isEqualTo(100.0);
        // Frame 124 (0-based) was the fifth spike; it went to slot 124 % 100 = 24.
        assertThat(store.get(24)).isCloseTo(SPIKE_SCORE, within(1e-6));
        int slots = 0;
        try (var all = store.all()) {
            while (all.hasNext()) {
                if (all.next().key >= 0) {
                    slots++;
                }
            }
        }
        assertThat(slots).isEqualTo(100);

        String changelog = SelectionTopology.APPLICATION_ID + "-" + SelectionTopology.WINDOW_STORE + "-changelog";
        List<KeyValue<Integer, Double>> logged = driver
                .createOutputTopic(changelog, Serdes.Integer().deserializer(), Serdes.Double().deserializer())
                .readKeyValuesToList();
        assertThat(logged).contains(KeyValue.pair(SelectionTopology.ADDED_KEY, 130.0));
        assertThat(logged).filteredOn(entry -> entry.key == 24).last()
                .satisfies(entry -> assertThat(entry.value).isCloseTo(SPIKE_SCORE, within(1e-6)));
    }

    @Test
    void aFrameThatCannotBeScoredGoesToTheDlqWithItsReasonAndTheStreamGoesOn() {
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.FRAMES_DLQ.name(),
                Topics.FRAMES_DLQ.keySerde().deserializer(), Topics.FRAMES_DLQ.valueSerde().deserializer());
        ScoredFrame noProbabilities = frame("f-bad", 0f, 0f, 0f, 0f).toBuilder().clearSceneProbabilities().build();
        scored.pipeInput("v-1", noProbabilities);
        pipeFrames(30);

        TestRecord<byte[], byte[]> rejected = dlq.readRecord();
        assertThat(new String(rejected.key(), StandardCharsets.UTF_8)).isEqualTo("v-1");
        assertThat(rejected.value()).isEqualTo(noProbabilities.toByteArray());
        assertThat(header(rejected, DlqHeaders.REASON)).isEqualTo("missing-scene-probabilities");
        assertThat(header(rejected, DlqHeaders.DETAIL)).contains("f-bad");
        assertThat(header(rejected, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.FRAMES_SCORED.name());
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(metrics.malformed()).isEqualTo(1);
        assertThat(metrics.framesSeen()).isEqualTo(30);
        assertThat(edgeCases.readKeyValuesToMap()).containsKey("f-24");
    }

    @Test
    void framesTheLabelingQueueWouldRefuseGoToTheDlqInsteadOfBeingHarvestedAndLost() {
        TestOutputTopic<byte[], byte[]> dlq = dlq();
        ScoredFrame good = frame("f-ok", 0f, 0f, 0f, 0f);
        ScoredFrame noImage = good.toBuilder().setFrame(good.getFrame().toBuilder().clearImage().setFrameId("f-no-image")).build();
        ScoredFrame uriImage = good.toBuilder().setFrame(good.getFrame().toBuilder().setFrameId("f-uri")
                .setImage(good.getFrame().getImage().toBuilder().setUri("s3://x.png"))).build();
        ScoredFrame noClasses = good.toBuilder().clearSceneClasses().build();
        ScoredFrame twoClasses = good.toBuilder().clearSceneClasses().addAllSceneClasses(List.of("a", "b")).build();
        for (ScoredFrame bad : List.of(noImage, uriImage, noClasses, twoClasses)) {
            scored.pipeInput("v", bad);
        }

        List<TestRecord<byte[], byte[]>> rejected = dlq.readRecordsToList();
        assertThat(rejected).extracting(r -> header(r, DlqHeaders.REASON)).containsExactly(
                MalformedReason.MISSING_IMAGE.code(), MalformedReason.MISSING_IMAGE.code(),
                MalformedReason.SCENE_CLASSES_MISMATCH.code(), MalformedReason.SCENE_CLASSES_MISMATCH.code());
        assertThat(header(rejected.get(0), DlqHeaders.DETAIL)).isEqualTo("frame f-no-image: the frame carries no"
                + " inline image bytes (payload: PAYLOAD_NOT_SET); the labeling queue needs them to show labelers");
        assertThat(header(rejected.get(2), DlqHeaders.DETAIL)).isEqualTo("frame f-ok: 3 scene probabilities but 0"
                + " scene classes; the scorer must name one class per probability");
        assertThat(metrics.malformed()).isEqualTo(4);
        assertThat(metrics.framesSeen()).isZero();
    }

    @Test
    void aReplayedDeadLetterGetsOneSetOfDlqHeaders() {
        // Regression: headers were added, so a record that already carried DLQ headers got two reasons.
        TestOutputTopic<byte[], byte[]> dlq = dlq();
        TestRecord<String, ScoredFrame> replay = new TestRecord<>("v", frame("f-r", 0f, 0f, 0f, 0f).toBuilder()
                .clearSceneProbabilities().build());
        replay.headers().add(DlqHeaders.REASON, "old".getBytes(StandardCharsets.UTF_8));
        replay.headers().add(DlqHeaders.SOURCE_OFFSET, "99".getBytes(StandardCharsets.UTF_8));
        scored.pipeInput(replay);

        TestRecord<byte[], byte[]> rejected = dlq.readRecord();
        assertThat(rejected.headers().headers(DlqHeaders.REASON)).hasSize(1);
        assertThat(rejected.headers().headers(DlqHeaders.SOURCE_OFFSET)).hasSize(1);
        assertThat(header(rejected, DlqHeaders.REASON)).isEqualTo("missing-scene-probabilities");
        assertThat(header(rejected, DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
    }

    @Test
    void eachRecordIsCheckedOnceByANamedStepAndRoutedOnItsOutcome() {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, CONFIG);
        String description = builder.build().describe().toString();
        assertThat(description).contains("check-scored-frame", "scored-frames-malformed", "scored-frames-well-formed",
                "malformed-scored-frame-to-dlq", "select-edge-cases", "frames-dlq-sink", "edge-cases-sink");
        assertThat(description).doesNotContain("KSTREAM-");
    }

    @Test
    void reasonCodesAreStable() {
        assertThat(java.util.Arrays.stream(MalformedReason.values()).map(MalformedReason::code)).containsExactly(
                "missing-value", "missing-frame-id", "missing-image", "missing-scene-probabilities",
                "scene-classes-mismatch", "invalid-scene-probability", "missing-predicted-action",
                "missing-human-action", "invalid-action", "invalid-spread", "invalid-novelty", "invalid-embedding");
    }

    private TestOutputTopic<byte[], byte[]> dlq() {
        return driver.createOutputTopic(Topics.FRAMES_DLQ.name(),
                Topics.FRAMES_DLQ.keySerde().deserializer(), Topics.FRAMES_DLQ.valueSerde().deserializer());
    }

    /** Pipes {@code count} frames f-0, f-1, ...; returns the ids of the spikes after warm-up. */
    private List<String> pipeFrames(int count) {
        Random random = new Random(11);
        List<String> spikes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String frameId = "f-" + i;
            if (i % SPIKE_EVERY == SPIKE_EVERY - 1) {
                scored.pipeInput("v-" + (i % 4), frame(frameId, 0.8f, 0.6f, -0.8f, -0.6f));
                if (i + 1 >= CONFIG.minWindow()) {
                    spikes.add(frameId);
                }
            } else {
                // Quiet: the human is within 0.05 of the prediction, a different amount each frame.
                float steer = (float) (random.nextDouble() * 0.05);
                scored.pipeInput("v-" + (i % 4), frame(frameId, 0f, 0.5f, steer, 0.5f));
            }
        }
        return spikes;
    }

    private static ScoredFrame frame(String frameId, float predSteer, float predAccel, float humanSteer, float humanAccel) {
        return ScoredFrame.newBuilder()
                .setFrame(FrameEvent.newBuilder()
                        .setFrameId(frameId)
                        .setVehicleId("v")
                        .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW)
                                .setWidth(2).setHeight(1).setChannels(1).setData(ByteString.copyFrom(new byte[] {1, 2})))
                        .setHumanAction(DriverAction.newBuilder().setSteering(humanSteer).setAcceleration(humanAccel)))
                .setModelVersion("m-1")
                .addAllSceneClasses(List.of("clear_road", "pedestrian_crossing", "stopped_vehicle"))
                .addAllSceneProbabilities(List.of(0.98f, 0.01f, 0.01f))
                .setPredictedAction(DriverAction.newBuilder().setSteering(predSteer).setAcceleration(predAccel))
                .build();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
