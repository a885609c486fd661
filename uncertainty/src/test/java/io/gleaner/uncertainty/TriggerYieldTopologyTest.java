package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.LabelFeedback;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.TriggerYield;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Label feedback turns into per-trigger yields and bandit shares that reweigh harvest priority. */
class TriggerYieldTopologyTest {
    private static final List<TriggerConfig> TRIGGERS = List.of(
            TriggerConfig.parse("novel=novelty,threshold=0.5"),
            TriggerConfig.parse("disagree=action-disagreement,threshold=0.2"));

    @TempDir
    Path stateDir;
    @TempDir
    Path keptDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestInputTopic<String, LabelFeedback> feedback;
    private TestOutputTopic<String, EdgeCase> edgeCases;
    private TestOutputTopic<String, TriggerYield> yields;
    private int sentFrames;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void feedbackCountsPerTriggerAndShiftsPriorityTowardTheHigherYield() {
        start(TriggerYieldConfig.defaults());
        sendFeedback("novel", 20, 15);
        sendFeedback("disagree", 20, 1);
        Map<String, TriggerYield> latest = yields.readKeyValuesToMap();
        assertThat(latest.get("novel").getLabeled()).isEqualTo(20);
        assertThat(latest.get("novel").getModelErrors()).isEqualTo(15);
        assertThat(latest.get("disagree").getModelErrors()).isEqualTo(1);
        // Beta(16, 6) against Beta(2, 20): novel wins every draw, disagree keeps its floor 0.2 / 2
        assertThat(latest.get("disagree").getShare()).isEqualTo(0.1);
        assertThat(latest.get("novel").getShare()).isCloseTo(0.9, within(1e-12));
        assertThat(metrics.triggerYields()).containsEntry("novel", new SelectionMetrics.Yield(20, 15, latest.get("novel").getShare()))
                .containsKey("disagree");

        scored.pipeInput("v-1", NamedTriggerTopologyTest.frame("novel-frame", 0f, 0.75f));
        scored.pipeInput("v-1", NamedTriggerTopologyTest.frame("disagree-frame", 1f, 0f));
        Map<String, EdgeCase> out = edgeCases.readKeyValuesToMap();
        // priority = score · K · share, K = 2 triggers with feedback
        assertThat(out.get("novel-frame").getPriority()).isCloseTo(0.75 * 2 * 0.9, within(1e-9));
        assertThat(out.get("disagree-frame").getPriority()).isCloseTo(1 / (2 * Math.sqrt(2)) * 2 * 0.1, within(1e-7));
    }

    @Test
    void withFeedbackOffTheYieldsAreCountedButPrioritiesStay() {
        start(new TriggerYieldConfig(false, 0.2, 4_000, 7L, Duration.ofDays(1)));
        sendFeedback("novel", 10, 9);
        sendFeedback("disagree", 10, 0);
        scored.pipeInput("v-1", NamedTriggerTopologyTest.frame("novel-frame", 0f, 0.75f));
        assertThat(edgeCases.readValue().getPriority()).isEqualTo(0.75);
        assertThat(metrics.triggerYields()).containsOnlyKeys("disagree", "novel");
    }

    @Test
    void theCountsSurviveARestart() throws IOException {
        start(TriggerYieldConfig.defaults());
        sendFeedback("novel", 4, 3);
        restartKeepingState();
        start(TriggerYieldConfig.defaults());
        sendFeedback("novel", 1, 1);
        TriggerYield novel = yields.readKeyValuesToMap().get("novel");
        assertThat(novel.getLabeled()).isEqualTo(5);
        assertThat(novel.getModelErrors()).isEqualTo(4);
        assertThat(novel.getShare()).isEqualTo(1.0);
    }

    /** Regression: the bandit counted every feedback record, so a replayed or republished one counted twice. */
    @Test
    void feedbackForAFrameAlreadyCountedIsIgnoredAlsoAfterARestart() throws IOException {
        start(TriggerYieldConfig.defaults());
        LabelFeedback erred = LabelFeedback.newBuilder().setFrameId("frame-1").addTriggers("novel")
                .setModelErred(true).setModelVersion("m-1").setLabelId(11).build();
        feedback.pipeInput("frame-1", erred);
        feedback.pipeInput("frame-1", erred);
        feedback.pipeInput("frame-1", erred.toBuilder().setModelErred(false).setLabelId(12).build());
        assertThat(metrics.triggerYields().get("novel")).isEqualTo(new SelectionMetrics.Yield(1, 1, 1.0));
        assertThat(metrics.feedbackDuplicates()).isEqualTo(2);

        restartKeepingState();
        start(TriggerYieldConfig.defaults());
        feedback.pipeInput("frame-1", erred);
        feedback.pipeInput("", erred.toBuilder().clearFrameId().build());
        LabelFeedback other = erred.toBuilder().setFrameId("frame-2").setModelErred(false).setLabelId(13).build();
        feedback.pipeInput("frame-2", other);
        TriggerYield novel = yields.readKeyValuesToMap().get("novel");
        assertThat(novel.getLabeled()).as("frame-1 once, frame-2 once").isEqualTo(2);
        assertThat(novel.getModelErrors()).isEqualTo(1);
        assertThat(metrics.feedbackDuplicates()).isEqualTo(4);
    }

    /**
     * Regression: the store of counted frame ids was a key-value store nothing ever pruned, so it grew
     * by one entry per labeled frame for as long as the stage ran.
     */
    @Test
    void countedFrameIdsOlderThanTheRetentionArePurgedFromTheStore() {
        Duration retention = Duration.ofHours(1);
        start(TriggerYieldConfig.defaults().withFeedbackDedupRetention(retention));
        feedback.pipeInput("old-frame", labeled("old-frame", 1));
        assertThat(countedFrameIds()).containsExactly("old-frame");

        driver.advanceWallClockTime(retention.multipliedBy(3));
        feedback.pipeInput("new-frame", labeled("new-frame", 2));

        assertThat(countedFrameIds()).containsExactly("new-frame");
    }

    @Test
    void aReplayJustInsideTheRetentionIsStillIgnoredAndOneAfterItCountsAgain() {
        Duration retention = Duration.ofHours(1);
        start(TriggerYieldConfig.defaults().withFeedbackDedupRetention(retention));
        LabelFeedback first = labeled("frame-1", 1);
        feedback.pipeInput("frame-1", first);

        driver.advanceWallClockTime(retention.minusSeconds(1));
        feedback.pipeInput("frame-1", first);
        assertThat(metrics.feedbackDuplicates()).isEqualTo(1);
        assertThat(metrics.triggerYields().get("novel").labeled()).isEqualTo(1);

        // Forgotten once the retention is over: the price of a bounded store, and why its default
        // outlasts how far back label-feedback can be replayed.
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        feedback.pipeInput("frame-1", first);
        assertThat(metrics.feedbackDuplicates()).isEqualTo(1);
        assertThat(metrics.triggerYields().get("novel").labeled()).isEqualTo(2);
    }

    @Test
    void theFeedbackStepsAreNamed() {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, SelectionConfig.defaults());
        String description = builder.build().describe().toString();
        assertThat(description).contains("label-feedback-source", "count-trigger-yield", "trigger-yield-sink",
                "trigger-yield-source", SelectionTopology.FEEDBACK_REPARTITION + "-repartition",
                SelectionTopology.YIELD_COUNTS_STORE, SelectionTopology.FEEDBACK_SEEN_STORE,
                SelectionTopology.TRIGGER_YIELD_STORE);
        assertThat(description).doesNotContain("KSTREAM-");
    }

    /**
     * {@code labeled} feedback records naming {@code trigger}, each for a frame not sent before, the
     * first {@code errors} of them showing a model error.
     */
    private void sendFeedback(String trigger, int labeled, int errors) {
        for (int i = 0; i < labeled; i++) {
            sentFrames++;
            String frameId = trigger + "-labeled-" + sentFrames;
            feedback.pipeInput(frameId, LabelFeedback.newBuilder().setFrameId(frameId).addTriggers(trigger)
                    .setModelErred(i < errors).setModelVersion("m-1").setLabelId(sentFrames).build());
        }
    }

    private static LabelFeedback labeled(String frameId, long labelId) {
        return LabelFeedback.newBuilder().setFrameId(frameId).addTriggers("novel").setModelErred(true)
                .setModelVersion("m-1").setLabelId(labelId).build();
    }

    private List<String> countedFrameIds() {
        WindowStore<String, Long> store = driver.getWindowStore(SelectionTopology.FEEDBACK_SEEN_STORE);
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<Windowed<String>, Long> entry = all.next();
                ids.add(entry.key.key());
            }
        }
        return ids;
    }

    private void restartKeepingState() throws IOException {
        driver.getAllStateStores().values().forEach(StateStore::close);
        Path kept = keptDir.resolve("state");
        NamedTriggerTopologyTest.copyTree(stateDir, kept);
        driver.close();
        driver = null;
        NamedTriggerTopologyTest.copyTree(kept, stateDir);
    }

    private void start(TriggerYieldConfig yield) {
        SelectionConfig config = new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000).withTriggers(TRIGGERS)
                .withYield(yield);
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, config, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, SelectionTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(1_000_000L));
        scored = driver.createInputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().serializer(), Topics.FRAMES_SCORED.valueSerde().serializer());
        feedback = driver.createInputTopic(Topics.LABEL_FEEDBACK.name(),
                Topics.LABEL_FEEDBACK.keySerde().serializer(), Topics.LABEL_FEEDBACK.valueSerde().serializer());
        edgeCases = driver.createOutputTopic(Topics.EDGE_CASES.name(),
                Topics.EDGE_CASES.keySerde().deserializer(), Topics.EDGE_CASES.valueSerde().deserializer());
        yields = driver.createOutputTopic(Topics.TRIGGER_YIELD.name(),
                Topics.TRIGGER_YIELD.keySerde().deserializer(), Topics.TRIGGER_YIELD.valueSerde().deserializer());
    }
}
