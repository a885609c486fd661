package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flicker triggers on hand-built sequences of one vehicle's consecutive frames. */
class FlickerTopologyTest {
    /** 3 class changes among the last 6 frames; action jump 0.5 while the human moves at most 0.1; 1 s gaps at most. */
    private static final FlickerConfig FLICKER = new FlickerConfig(true, 6, 3, 0.5, 0.1, Duration.ofSeconds(1));
    private static final int A = 0;
    private static final int B = 1;

    @TempDir
    Path stateDir;
    @TempDir
    Path keptDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<String, EdgeCase> edgeCases;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aSceneClassFlippingBackAndForthFiresOnTheFlipThatReachesTheCount() {
        start();
        int[] classes = {A, B, A, B, B, A};
        for (int i = 0; i < classes.length; i++) {
            pipe("v-1", "f-" + i, i * 100L, classes[i], 0f, 0f);
        }
        Map<String, EdgeCase> out = edgeCases.readKeyValuesToMap();
        // f-3: A B A B, 3 changes; f-4 repeats B (no change, no fire); f-5: A B A B B A, 4 changes
        assertThat(out).containsOnlyKeys("f-3", "f-5");
        assertThat(out.get("f-3").getTriggersList()).extracting(Trigger::getName, Trigger::getScore, Trigger::getThreshold)
                .containsExactly(tuple(FlickerConfig.SCENE_FLICKER, 3.0, 3.0));
        assertThat(out.get("f-5").getTriggers(0).getScore()).isEqualTo(4.0);
        // priority: changes over the window's 5 possible ones
        assertThat(out.get("f-5").getPriority()).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void aSceneThatChangesOnceOrFlipsSlowerThanTheWindowNeverFires() {
        start();
        int[] classes = {A, A, A, B, B, B, A, A, A, A, A, B};
        for (int i = 0; i < classes.length; i++) {
            pipe("v-1", "f-" + i, i * 100L, classes[i], 0f, 0f);
        }
        assertThat(edgeCases.isEmpty()).isTrue();
    }

    @Test
    void flipsCountPerVehicleNotAcrossTheInterleavedStream() {
        start();
        for (int i = 0; i < 8; i++) {
            pipe("v-1", "a-" + i, i * 100L, A, 0f, 0f);
            pipe("v-2", "b-" + i, i * 100L + 50, B, 0f, 0f);
        }
        assertThat(edgeCases.isEmpty()).as("the stream alternates A B A B, each vehicle is steady").isTrue();
    }

    @Test
    void aGapLongerThanMaxGapStartsTheVehiclesHistoryAfresh() {
        start();
        pipe("v-1", "f-0", 0, A, 0f, 0f);
        pipe("v-1", "f-1", 100, B, 0f, 0f);
        pipe("v-1", "f-2", 200, A, 0f, 0f);
        pipe("v-1", "f-3", 1_300, B, 0f, 0f);  // 1.1 s later: a new drive, no change counted
        pipe("v-1", "f-4", 1_400, A, 0f, 0f);
        pipe("v-1", "f-5", 1_500, B, 0f, 0f);
        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys();
        pipe("v-1", "f-6", 1_600, A, 0f, 0f);  // B A B A since the gap: 3 changes
        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys("f-6");
    }

    @Test
    void aPredictedActionJumpWhileTheHumanIsSmoothFiresAndNotWhenTheHumanJumpsToo() {
        start();
        pipe("v-1", "f-0", 0, A, 0f, 0.00f);
        pipe("v-1", "f-1", 100, A, 0.6f, 0.05f);  // model jumps 0.6, human moves 0.05: fires
        pipe("v-1", "f-2", 200, A, 0f, 0.65f);    // model jumps 0.6, human 0.6: the scene changed, not the model
        pipe("v-1", "f-3", 300, A, 0.3f, 0.65f);  // model 0.3: below the jump
        Map<String, EdgeCase> out = edgeCases.readKeyValuesToMap();
        assertThat(out).containsOnlyKeys("f-1");
        Trigger trigger = out.get("f-1").getTriggers(0);
        assertThat(trigger.getName()).isEqualTo(FlickerConfig.ACTION_FLICKER);
        assertThat(trigger.getScore()).isCloseTo(0.6, within(1e-6));
        assertThat(trigger.getThreshold()).isEqualTo(0.5);
        assertThat(metrics.firedByTrigger()).containsExactly(Map.entry(FlickerConfig.ACTION_FLICKER, 1L));
    }

    @Test
    void aRestartedStageKeepsEachVehiclesHistory() throws IOException {
        start();
        pipe("v-1", "f-0", 0, A, 0f, 0f);
        pipe("v-1", "f-1", 100, B, 0f, 0f);
        pipe("v-1", "f-2", 200, A, 0f, 0f);
        restartKeepingState();
        start();
        pipe("v-1", "f-3", 300, B, 0f, 0f);
        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys("f-3");
    }

    @Test
    void offByDefaultSoTheSameSequenceHarvestsNothing() {
        start(FlickerConfig.defaults());
        int[] classes = {A, B, A, B, A, B};
        for (int i = 0; i < classes.length; i++) {
            pipe("v-1", "f-" + i, i * 100L, classes[i], 0f, 0f);
        }
        assertThat(edgeCases.isEmpty()).isTrue();
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> new FlickerConfig(true, 2, 2, 0.5, 0.1, Duration.ofSeconds(1)))
                .hasMessageContaining("selection.flicker.window is 2");
        assertThatThrownBy(() -> new FlickerConfig(true, 6, 6, 0.5, 0.1, Duration.ofSeconds(1)))
                .hasMessageContaining("selection.flicker.min-flips is 6; it must be in [2, 5]");
        assertThatThrownBy(() -> new FlickerConfig(true, 6, 3, 0.5, 0.5, Duration.ofSeconds(1)))
                .hasMessageContaining("selection.flicker.human-smooth is 0.5");
        assertThatThrownBy(() -> new FlickerConfig(true, 6, 3, 3.0, 0.1, Duration.ofSeconds(1)))
                .hasMessageContaining("selection.flicker.action-jump is 3.0");
        assertThatThrownBy(() -> new FlickerConfig(true, 6, 3, 0.5, 0.1, Duration.ZERO))
                .hasMessageContaining("selection.flicker.max-gap is PT0S");
    }

    /** One frame: scene class {@code sceneClass} at 0.9, predicted steering {@code predSteer}, human steering {@code humanSteer}. */
    private void pipe(String vehicle, String frameId, long timeMs, int sceneClass, float predSteer, float humanSteer) {
        ScoredFrame frame = NamedTriggerTopologyTest.frame(frameId, humanSteer, 0f).toBuilder()
                .setFrame(FrameEvent.newBuilder(NamedTriggerTopologyTest.frame(frameId, humanSteer, 0f).getFrame())
                        .setVehicleId(vehicle))
                .clearSceneProbabilities()
                .addAllSceneProbabilities(sceneClass == A ? List.of(0.9f, 0.05f, 0.05f) : List.of(0.05f, 0.9f, 0.05f))
                .setPredictedAction(DriverAction.newBuilder().setSteering(predSteer).setAcceleration(0f))
                .build();
        scored.pipeInput(vehicle, frame, timeMs);
    }

    private void restartKeepingState() throws IOException {
        driver.getAllStateStores().values().forEach(StateStore::close);
        Path kept = keptDir.resolve("state");
        NamedTriggerTopologyTest.copyTree(stateDir, kept);
        driver.close();
        driver = null;
        NamedTriggerTopologyTest.copyTree(kept, stateDir);
    }

    private void start() {
        start(FLICKER);
    }

    private void start(FlickerConfig flicker) {
        // a window that never fills and no named triggers, so only the flicker triggers harvest
        SelectionConfig config = new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000).withTriggers(List.of())
                .withFlicker(flicker);
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, config, metrics);
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
}
