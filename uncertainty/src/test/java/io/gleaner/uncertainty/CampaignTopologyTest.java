package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.Exemplar;
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

/** Campaigns created, stopped and expiring at run time, held to their budget, across a restart. */
class CampaignTopologyTest {
    private static final long DAY = 86_400_000L;

    @TempDir
    Path stateDir;
    @TempDir
    Path keptDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestInputTopic<String, Campaign> campaigns;
    private TestOutputTopic<String, EdgeCase> edgeCases;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aCampaignCreatedMidStreamFiresOnFramesLikeItsExemplarsFromThenOn() {
        start();
        pipe("before", 1_000, 1f, 0f);
        assertThat(edgeCases.isEmpty()).as("no campaign yet, and no other trigger fires").isTrue();

        campaigns.pipeInput("rare-1", campaign("rare-1", 0.9, 10, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}, new float[] {0f, 1f}), 2_000);
        pipe("like-first", 3_000, 0.99f, 0.141f);   // cos to (1, 0) = 0.99 / ‖(0.99, 0.141)‖ ≈ 0.99
        pipe("between", 4_000, 0.6f, 0.6f);         // cos 0.707 to both: not similar enough
        pipe("like-second", 5_000, 0f, 2f);         // cos 1 to (0, 1), whatever its length
        pipe("opposite", 6_000, -1f, 0f);

        Map<String, EdgeCase> out = edgeCases.readKeyValuesToMap();
        assertThat(out).containsOnlyKeys("like-first", "like-second");
        Trigger first = out.get("like-first").getTriggers(0);
        assertThat(first.getName()).isEqualTo("campaign:rare-1");
        assertThat(first.getScore()).isCloseTo(0.99 / Math.hypot(0.99, 0.141), within(1e-6));
        assertThat(first.getThreshold()).isEqualTo(0.9);
        assertThat(out.get("like-second").getTriggersList()).extracting(Trigger::getName, Trigger::getScore)
                .containsExactly(tuple("campaign:rare-1", 1.0));
        assertThat(out.get("like-second").getPriority()).isEqualTo(1.0);
        assertThat(metrics.firedByTrigger()).containsEntry("campaign:rare-1", 2L);
    }

    @Test
    void aStoppedCampaignAndAnExpiredOneStopFiring() {
        start();
        campaigns.pipeInput("stops", campaign("stops", 0.9, 10, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}), 0);
        campaigns.pipeInput("ends", campaign("ends", 0.9, 10, 10_000, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {0f, 1f}), 0);
        pipe("a-1", 1_000, 1f, 0f);
        pipe("b-1", 2_000, 0f, 1f);
        campaigns.pipeInput("stops", campaign("stops", 0.9, 10, DAY, CampaignState.CAMPAIGN_STATE_STOPPED,
                new float[] {1f, 0f}), 3_000);
        pipe("a-2", 4_000, 1f, 0f);
        pipe("b-2", 9_999, 0f, 1f);
        pipe("b-3", 10_000, 0f, 1f);  // recorded at the end time: over

        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys("a-1", "b-1", "b-2");
    }

    @Test
    void aCampaignHarvestsNoMoreThanItsBudgetAndAnotherTriggerStillGetsTheFrame() {
        start(List.of(TriggerConfig.parse("novel=novelty,threshold=0.5")));
        campaigns.pipeInput("two", campaign("two", 0.9, 2, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}), 0);
        for (int i = 0; i < 4; i++) {
            pipe("f-" + i, 1_000 + i, 1f, 0f);
        }
        scored.pipeInput("v-1", withEmbedding(NamedTriggerTopologyTest.frame("novel-too", 0f, 0.8f), 1f, 0f), 2_000);

        Map<String, EdgeCase> out = edgeCases.readKeyValuesToMap();
        assertThat(out).containsOnlyKeys("f-0", "f-1", "novel-too");
        assertThat(out.get("novel-too").getTriggersList()).extracting(Trigger::getName).containsExactly("novel");
        assertThat(metrics.campaignOverBudget()).containsExactly(Map.entry("two", 3L));
        assertThat(driver.<String, Long>getKeyValueStore(SelectionTopology.CAMPAIGN_HARVESTS_STORE).get("two"))
                .isEqualTo(2L);
    }

    /**
     * Issue 5: a frame dropped as a near-duplicate must not spend its campaign's budget. It does
     * not, and needs no refund: near-duplicates are dropped in the selection step, before the
     * campaign-budget step counts anything.
     */
    @Test
    void aFrameDroppedAsANearDuplicateSpendsNoCampaignBudget() {
        start(new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000)
                .withDuplicates(new DuplicateSuppression(true, 0.99, Duration.ofMinutes(1), 32)));
        campaigns.pipeInput("two", campaign("two", 0.9, 2, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}), 0);
        pipe("f-0", 1_000, 1f, 0f);
        pipe("f-0-again", 2_000, 1f, 0f);        // cos 1 to f-0: a near-duplicate
        pipe("f-0-once-more", 3_000, 2f, 0.01f); // cos 0.99999 to f-0: a near-duplicate
        pipe("f-1", 4_000, 0.95f, 0.31f);        // cos 0.951 to (1, 0): the campaign fires; not a duplicate of f-0
        pipe("f-2", 5_000, 0.92f, -0.39f);       // fires too, but the budget of 2 is spent by f-0 and f-1

        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys("f-0", "f-1");
        assertThat(metrics.duplicates()).isEqualTo(2);
        assertThat(driver.<String, Long>getKeyValueStore(SelectionTopology.CAMPAIGN_HARVESTS_STORE).get("two"))
                .isEqualTo(2L);
        assertThat(metrics.campaignOverBudget()).containsExactly(Map.entry("two", 1L));
    }

    @Test
    void aRestartedStageKeepsTheCampaignAndWhatItHasSpent() throws IOException {
        Campaign three = campaign("three", 0.9, 3, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE, new float[] {1f, 0f});
        start();
        campaigns.pipeInput("three", three, 0);
        pipe("f-0", 1_000, 1f, 0f);
        pipe("f-1", 2_000, 1f, 0f);
        assertThat(edgeCases.readKeyValuesToMap()).hasSize(2);
        restartKeepingState();

        start();
        // the compacted topic still holds the campaign: a restarted instance reads it again
        campaigns.pipeInput("three", three, 0);
        pipe("f-2", 3_000, 1f, 0f);
        pipe("f-3", 4_000, 1f, 0f);
        assertThat(edgeCases.readKeyValuesToMap()).containsOnlyKeys("f-2");
    }

    @Test
    void anInvalidCampaignOrATombstoneLeavesNothingLive() {
        start();
        campaigns.pipeInput("gone", campaign("gone", 0.9, 5, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}), 0);
        campaigns.pipeInput("gone", (Campaign) null, 1);
        campaigns.pipeInput("bad", campaign("bad", 1.5, 5, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}), 0);
        pipe("f-0", 1_000, 1f, 0f);
        assertThat(edgeCases.isEmpty()).isTrue();
        assertThat(driver.getKeyValueStore(SelectionTopology.CAMPAIGN_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void aCenterIsSubtractedFromFrameAndExemplarBeforeTheCosine() {
        CampaignSpec centered = CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {2f, 1f}).toBuilder().addCenter(1f).addCenter(1f).build());
        // exemplar (2, 1) − (1, 1) = (1, 0); frame (3, 1) − (1, 1) = (2, 0): cosine 1
        assertThat(centered.maxSimilarity(new float[] {3f, 1f})).isEqualTo(1.0);
        // frame (1, 2) − (1, 1) = (0, 1): cosine 0, where the raw vectors have 0.8
        assertThat(centered.maxSimilarity(new float[] {1f, 2f})).isEqualTo(0.0);
        assertThat(CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {2f, 1f})).maxSimilarity(new float[] {1f, 2f})).isCloseTo(0.8, within(1e-7));
        assertThat(centered.maxSimilarity(new float[] {1f, 1f})).as("the center itself has no direction").isNaN();
        assertThatThrownBy(() -> CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {2f, 1f}).toBuilder().addCenter(1f).build())).hasMessageContaining("the center has 1 values");
    }

    @Test
    void campaignsAreValidatedWithAReason() {
        assertThatThrownBy(() -> CampaignSpec.of(campaign("Bad Id", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f}))).hasMessageContaining("campaign id 'Bad Id' is not allowed");
        assertThatThrownBy(() -> CampaignSpec.of(campaign("c", 0.9, 0, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f}))).hasMessageContaining("campaign c: budget is 0");
        assertThatThrownBy(() -> CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {1f, 0f}, new float[] {1f}))).hasMessageContaining("exemplar 1 has 1 values");
        assertThatThrownBy(() -> CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE,
                new float[] {0f, 0f}))).hasMessageContaining("all zeros");
        assertThatThrownBy(() -> CampaignSpec.of(campaign("c", 0.9, 1, DAY, CampaignState.CAMPAIGN_STATE_ACTIVE)))
                .hasMessageContaining("no exemplar");
    }

    @Test
    void theCampaignStepsAreNamed() {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, SelectionConfig.defaults());
        String description = builder.build().describe().toString();
        assertThat(description).contains("campaigns-source", "apply-campaign-budget",
                SelectionTopology.CAMPAIGN_BUDGET_REPARTITION + "-repartition", SelectionTopology.CAMPAIGN_STORE,
                SelectionTopology.CAMPAIGN_HARVESTS_STORE);
        assertThat(description).doesNotContain("KSTREAM-");
    }

    static Campaign campaign(String id, double threshold, long budget, long endTimeMs, CampaignState state,
                             float[]... exemplars) {
        Campaign.Builder campaign = Campaign.newBuilder().setId(id).setName("find " + id).setThreshold(threshold)
                .setBudget(budget).setEndTimeMs(endTimeMs).setState(state);
        for (int e = 0; e < exemplars.length; e++) {
            Exemplar.Builder exemplar = Exemplar.newBuilder().setFrameId(id + "-exemplar-" + e).setModelVersion("m-1");
            for (float x : exemplars[e]) {
                exemplar.addEmbedding(x);
            }
            campaign.addExemplars(exemplar);
        }
        return campaign.build();
    }

    private void pipe(String frameId, long timeMs, float... embedding) {
        scored.pipeInput("v-1", withEmbedding(NamedTriggerTopologyTest.frame(frameId, 0f, 0f), embedding), timeMs);
    }

    private static ScoredFrame withEmbedding(ScoredFrame frame, float... embedding) {
        ScoredFrame.Builder builder = frame.toBuilder();
        for (float x : embedding) {
            builder.addEmbedding(x);
        }
        return builder.build();
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
        start(List.of());
    }

    private void start(List<TriggerConfig> triggers) {
        // a window that never fills, so only the named triggers and the campaigns harvest
        start(new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000).withTriggers(triggers));
    }

    private void start(SelectionConfig config) {
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, config, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, SelectionTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(1_000_000L));
        scored = driver.createInputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().serializer(), Topics.FRAMES_SCORED.valueSerde().serializer());
        campaigns = driver.createInputTopic(Topics.CAMPAIGNS.name(),
                Topics.CAMPAIGNS.keySerde().serializer(), Topics.CAMPAIGNS.valueSerde().serializer());
        edgeCases = driver.createOutputTopic(Topics.EDGE_CASES.name(),
                Topics.EDGE_CASES.keySerde().deserializer(), Topics.EDGE_CASES.valueSerde().deserializer());
    }
}
