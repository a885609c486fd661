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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budgets per vehicle and fleet-wide per window keep the best frames of the window, not the first. */
class HarvestBudgetTopologyTest {
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path stateDir;

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
    void eachWindowKeepsTheBestPerVehicleAndInAllAndWritesThemOutWhenItCloses() {
        start(new HarvestBudget(true, 2, 3, Duration.ofHours(1), Duration.ZERO));
        // priority = novelty (weight 1, above the ≈0.03 combined score of these frames)
        pipe("a1", "v-1", 0.60f, 0);
        pipe("a2", "v-1", 0.90f, 1_000);
        pipe("a3", "v-1", 0.70f, 2_000);  // v-1 holds 2: a3 displaces a1, the first to come
        pipe("b1", "v-2", 0.80f, 3_000);
        pipe("b2", "v-2", 0.65f, 4_000);  // 4 held > fleet 3: the worst, b2 itself, goes
        pipe("c1", "v-3", 0.95f, 5_000);  // 4 held again: a3 (0.70) goes
        assertThat(edgeCases.isEmpty()).as("nothing goes out before the window closes").isTrue();

        pipe("d1", "v-1", 0.55f, HOUR + 1_000); // stream time passes the first hour's end: it closes

        List<EdgeCase> out = edgeCases.readValuesToList();
        assertThat(out).extracting(e -> e.getScored().getFrame().getFrameId()).containsExactly("c1", "a2", "b1");
        assertThat(out).extracting(EdgeCase::getPriority).containsExactly(0.95f * 1.0, 0.90f * 1.0, 0.80f * 1.0);
        assertThat(metrics.overBudget()).isEqualTo(3);
        assertThat(metrics.harvested()).isEqualTo(7);
    }

    @Test
    void aFrameForAWindowAlreadyClosedIsDroppedAsLate() {
        start(new HarvestBudget(true, 5, 5, Duration.ofHours(1), Duration.ofMinutes(1)));
        pipe("early", "v-1", 0.9f, 0);
        pipe("next-hour", "v-1", 0.9f, HOUR + 30_000);  // within the grace: the first hour stays open
        assertThat(edgeCases.isEmpty()).isTrue();
        pipe("late-but-in-grace", "v-2", 0.9f, 10_000);
        pipe("after-grace", "v-1", 0.9f, HOUR + 61_000); // the first hour closes
        assertThat(edgeCases.readValuesToList()).extracting(e -> e.getScored().getFrame().getFrameId())
                .containsExactly("early", "late-but-in-grace");
        pipe("too-late", "v-2", 0.9f, 20_000);
        assertThat(metrics.late()).isEqualTo(1);
        assertThat(edgeCases.isEmpty()).isTrue();
    }

    @Test
    void withoutABudgetFramesGoOutAtOnceAndNoBudgetStepIsBuilt() {
        start(HarvestBudget.defaults());
        pipe("now", "v-1", 0.9f, 0);
        assertThat(edgeCases.readValue().getScored().getFrame().getFrameId()).isEqualTo("now");
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, SelectionConfig.defaults());
        assertThat(builder.build().describe().toString()).doesNotContain("apply-harvest-budget");
    }

    @Test
    void theBudgetStepIsNamed() {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, SelectionConfig.defaults().withBudget(HarvestBudget.defaults().on()));
        String description = builder.build().describe().toString();
        assertThat(description).contains("budget-key-all-vehicles", "apply-harvest-budget",
                SelectionTopology.BUDGET_REPARTITION + "-repartition", SelectionTopology.BUDGET_STORE);
        assertThat(description).doesNotContain("KSTREAM-");
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> new HarvestBudget(true, 0, 5, Duration.ofHours(1), Duration.ZERO))
                .hasMessageContaining("selection.budget.per-vehicle is 0");
        assertThatThrownBy(() -> new HarvestBudget(true, 1, 0, Duration.ofHours(1), Duration.ZERO))
                .hasMessageContaining("selection.budget.fleet is 0");
        assertThatThrownBy(() -> new HarvestBudget(true, 1, 1, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("selection.budget.window is PT0S");
        assertThatThrownBy(() -> new HarvestBudget(true, 1, 1, Duration.ofHours(1), Duration.ofSeconds(-1)))
                .hasMessageContaining("selection.budget.grace is PT-1S");
    }

    private void start(HarvestBudget budget) {
        SelectionConfig config = new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000)
                .withTriggers(List.of(TriggerConfig.parse("novel=novelty,threshold=0.5")))
                .withBudget(budget);
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

    private void pipe(String frameId, String vehicle, float novelty, long timeMs) {
        ScoredFrame.Builder frame = NamedTriggerTopologyTest.frame(frameId, 0f, novelty).toBuilder();
        frame.setFrame(FrameEvent.newBuilder(frame.getFrame()).setVehicleId(vehicle));
        scored.pipeInput(vehicle, frame.build(), timeMs);
    }
}
