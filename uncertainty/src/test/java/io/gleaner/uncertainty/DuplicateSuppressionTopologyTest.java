package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ScoredFrame;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Near-duplicate suppression: cosine similarity against the same vehicle's recent harvests. */
class DuplicateSuppressionTopologyTest {
    private static final float[] EAST = {1f, 0f};
    /** cos(EAST, NEAR_EAST) = 0.999 / √(0.999² + 0.0447²) = 0.99900: a near-duplicate at 0.98. */
    private static final float[] NEAR_EAST = {0.999f, 0.0447f};
    private static final float[] NORTH = {0f, 1f};
    private static final long MINUTE = 60_000L;

    @TempDir
    Path stateDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<String, EdgeCase> edgeCases;

    @BeforeEach
    void start() {
        // only the novelty threshold harvests (the window never fills), so each frame's fate is chosen here
        SelectionConfig config = new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000)
                .withTriggers(List.of(TriggerConfig.parse("novel=novelty,threshold=0.5")))
                .withDuplicates(new DuplicateSuppression(true, 0.98, Duration.ofMinutes(1), 32));
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

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void aFrameLikeOneHarvestedLatelyFromTheSameVehicleIsDroppedAndCounted() {
        pipe("f-1", "v-1", EAST, 0.9f, 0);
        pipe("f-2", "v-1", NEAR_EAST, 0.9f, 1_000);         // 0.999 >= 0.98 to f-1: duplicate
        pipe("f-3", "v-2", EAST, 0.9f, 2_000);              // another vehicle: kept
        pipe("f-4", "v-1", NORTH, 0.9f, 3_000);             // cos 0 to f-1: kept
        pipe("f-5", "v-1", NEAR_EAST, 0.9f, MINUTE + 1_000); // f-1 (t = 0) is older than the minute: kept
        pipe("f-6", "v-1", new float[0], 0.9f, MINUTE + 2_000); // no embedding: never a duplicate

        assertThat(harvestedIds()).containsExactly("f-1", "f-3", "f-4", "f-5", "f-6");
        assertThat(metrics.duplicates()).isEqualTo(1);
        assertThat(metrics.harvested()).isEqualTo(5);
        KeyValueStore<String, byte[]> recent = driver.getKeyValueStore(SelectionTopology.RECENT_HARVESTS_STORE);
        // v-1 remembers f-4 and f-5; f-1 was forgotten when f-5 was checked
        assertThat(RecentHarvests.fromBytes(recent.get("v-1")).size()).isEqualTo(2);
    }

    @Test
    void framesThatWereNotHarvestedAreNotRememberedAsHarvests() {
        pipe("f-quiet", "v-3", EAST, 0.1f, 0);  // no trigger fires: not harvested, not remembered
        pipe("f-loud", "v-3", EAST, 0.9f, 500); // the same picture, now harvested
        assertThat(harvestedIds()).containsExactly("f-loud");
        assertThat(metrics.duplicates()).isZero();
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> new DuplicateSuppression(true, 0.0, Duration.ofMinutes(1), 32))
                .hasMessageContaining("selection.dedup.min-similarity is 0.0");
        assertThatThrownBy(() -> new DuplicateSuppression(true, 0.9, Duration.ZERO, 32))
                .hasMessageContaining("selection.dedup.horizon is PT0S");
        assertThatThrownBy(() -> new DuplicateSuppression(true, 0.9, Duration.ofMinutes(1), 0))
                .hasMessageContaining("selection.dedup.per-vehicle is 0");
        assertThat(DuplicateSuppression.defaults().enabled()).isFalse();
        assertThat(DuplicateSuppression.defaults().on().enabled()).isTrue();
    }

    private void pipe(String frameId, String vehicle, float[] embedding, float novelty, long timeMs) {
        ScoredFrame.Builder frame = NamedTriggerTopologyTest.frame(frameId, 0f, novelty).toBuilder();
        frame.setFrame(FrameEvent.newBuilder(frame.getFrame()).setVehicleId(vehicle));
        for (float x : embedding) {
            frame.addEmbedding(x);
        }
        scored.pipeInput(vehicle, frame.build(), timeMs);
    }

    private List<String> harvestedIds() {
        return edgeCases.readValuesToList().stream().map(e -> e.getScored().getFrame().getFrameId()).toList();
    }
}
