package io.gleaner.uncertainty;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.ScoredFrame;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The selection stage: {@code frames.scored} → {@link SelectionPolicy} → {@code edge-cases}.
 *
 * <p>Each well-formed scored frame is scored by the acquisition functions and harvested when its
 * combined score is in the top {@code keepFraction} of a rolling window of recent scores, or when
 * any of the configured {@link TriggerConfig named triggers} fires on it. Harvested frames go to
 * {@code edge-cases} keyed by frame id, as an {@code EdgeCase} naming every trigger that fired with
 * its score and threshold (the combined policy's first, then the named ones in configuration
 * order), and priority = the larger of the combined score and the largest {@code weight·score} of
 * a named trigger that fired. A frame that cannot be scored (no probabilities, no
 * actions, NaN) or that the labeling queue could not take (no inline image, class names not
 * matching the probabilities) goes to {@code frames.dlq} with a {@link MalformedReason} header
 * instead of stopping the stream; each record is checked once ({@link ScoredFrameCheck}).
 *
 * <p>The window is per stream task (per input partition, so per group of vehicles) and lives in
 * the changelogged store {@value #WINDOW_STORE}: slot {@code i} of the ring under key {@code i},
 * the number of scores ever added under {@link #ADDED_KEY} and the ring's capacity under
 * {@link #CAPACITY_KEY}. A restarted or migrated task restores it and resumes with the same
 * window; if {@code windowSize} changed, the newest scores are kept. Each top-rate trigger's
 * quantile estimate lives in the changelogged store {@value #QUANTILE_STORE} under the trigger's
 * name, so a restarted task fires at the same threshold it had reached; a trigger whose rate
 * changed starts its estimate afresh.
 *
 * <p>When {@link DuplicateSuppression} is on, a frame that would be harvested is dropped instead
 * (and counted in {@link SelectionMetrics#duplicates()}) if its embedding is at least
 * {@code minSimilarity} cosine-similar to a frame harvested from the same vehicle within the
 * horizon, by record time; the vehicle's recent harvests live in {@value #RECENT_HARVESTS_STORE}.
 * Frames are keyed by vehicle, so one task sees all of a vehicle's frames, in order. A frame
 * without an embedding is never a duplicate.
 *
 * <p>When the {@link FlickerConfig flicker triggers} are on, each vehicle's recent predicted scene
 * classes and last actions live in {@value #FLICKER_STORE} under its vehicle id (frames are keyed
 * by vehicle, so one task sees a vehicle's frames in order), and the triggers
 * {@value FlickerConfig#SCENE_FLICKER} and {@value FlickerConfig#ACTION_FLICKER} harvest the frames
 * where the model's prediction flickers.
 *
 * <p>Campaigns ("find me more like this", {@link CampaignSpec}) come from the compacted
 * {@code campaigns} topic into the global in-memory store {@value #CAMPAIGN_STORE}, rebuilt from
 * the topic on start, so a campaign created, stopped or expired at run time fires or stops without
 * a restart. Each live campaign whose exemplars a frame's embedding is close enough to adds the
 * trigger {@code campaign:<id>} (score: the largest cosine similarity; priority at least that).
 * Edge cases that carry a campaign trigger then pass through one task over
 * {@value #CAMPAIGN_BUDGET_REPARTITION} that counts, per campaign, the edge cases that went out in
 * {@value #CAMPAIGN_HARVESTS_STORE} (changelogged, so a restart keeps what was spent) and takes
 * the trigger of a campaign over budget off the edge case, dropping an edge case left with none
 * ({@link SelectionMetrics#campaignOverBudget()}). This runs before the harvest budget, so a frame
 * the harvest budget later drops has still spent its campaign's budget.
 *
 * <p>Trigger yield: {@code label-feedback} (keyed by frame id; see {@code LabelFeedback}) is
 * re-keyed to one key through {@value #FEEDBACK_REPARTITION} to one task that counts, per trigger,
 * labeled harvests and model errors in {@value #YIELD_COUNTS_STORE} (each frame once: the frame ids
 * counted are kept in {@value #FEEDBACK_SEEN_STORE} for {@link TriggerYieldConfig#feedbackDedupRetention()})
 * and writes every trigger's
 * {@code TriggerYield} with its {@link TriggerBandit} share to the compacted {@code trigger-yield}
 * topic; every instance reads that into the global store {@value #TRIGGER_YIELD_STORE} and, when
 * {@link TriggerYieldConfig#enabled()}, multiplies each edge case's priority as that class says.
 *
 * <p>When the {@link HarvestBudget} is on, harvested frames are re-keyed to one key and
 * repartitioned through {@value #BUDGET_REPARTITION} (one partition) to a single budget task,
 * which holds each window's best frames in {@value #BUDGET_STORE} and writes them out, best first,
 * when the window closes (see {@link BudgetWindow}). The one task is the price of a fleet-wide
 * budget; it only sees frames the triggers already harvested, a few percent of the stream.
 */
public final class SelectionTopology {
    /** The Kafka Streams application id of this stage. */
    public static final String APPLICATION_ID = "gleaner-selection";
    /** The state store holding each task's rolling window of combined scores. */
    public static final String WINDOW_STORE = "selection-score-window";
    /** Key in {@link #WINDOW_STORE} of the number of scores ever added to the window. */
    public static final int ADDED_KEY = -1;
    /** Key in {@link #WINDOW_STORE} of the ring's capacity, i.e. the window size it was written with. */
    public static final int CAPACITY_KEY = -2;
    /**
     * The state store holding each task's quantile estimate per top-rate named trigger: trigger
     * name → {@link WarmStartQuantile#toBytes()}, rewritten after every frame.
     */
    public static final String QUANTILE_STORE = "selection-trigger-quantiles";
    /**
     * The state store holding, per vehicle id, the embeddings and record times of the frames lately
     * harvested from it, for near-duplicate suppression.
     */
    public static final String RECENT_HARVESTS_STORE = "selection-recent-harvests";
    /**
     * The state store holding each task's embedding-novelty reference set: ring slot {@code i} →
     * the embedding's floats, {@link #REFERENCE_ADDED_KEY} → how many were ever added (a long),
     * {@link #REFERENCE_VERSION_KEY} → the model version they came from (UTF-8).
     */
    public static final String NOVELTY_STORE = "selection-novelty-reference";
    /** Key in {@link #NOVELTY_STORE} of the number of embeddings ever added. */
    public static final int REFERENCE_ADDED_KEY = -1;
    /** Key in {@link #NOVELTY_STORE} of the model version whose embeddings the set holds. */
    public static final int REFERENCE_VERSION_KEY = -2;
    /** The state store holding, per vehicle id, its {@link FlickerHistory} for the flicker triggers. */
    public static final String FLICKER_STORE = "selection-flicker-history";
    /** The state store holding, per trigger name, how many of its harvests were labeled and how many showed a model error. */
    public static final String YIELD_COUNTS_STORE = "selection-trigger-yield-counts";
    /**
     * The state store holding, per frame id, the label id of the feedback counted for it, so that
     * a frame's feedback is counted once however often it arrives within
     * {@link TriggerYieldConfig#feedbackDedupRetention()}: a window store with that retention, each
     * entry at the wall-clock time the frame was counted. It replaced an unpruned key-value store
     * named {@code selection-feedback-seen}, which grew by one entry per labeled frame forever; the
     * name changed with the type because a window store cannot restore from that store's changelog
     * ({@code gleaner-selection-selection-feedback-seen-changelog}, unused since, safe to delete).
     */
    public static final String FEEDBACK_SEEN_STORE = "selection-feedback-counted-frames";
    /** The global store holding, per trigger name, its latest {@code TriggerYield} (counts and bandit share). */
    public static final String TRIGGER_YIELD_STORE = "selection-trigger-yield";
    /** The internal topic that brings all label feedback to the one yield-counting task. */
    public static final String FEEDBACK_REPARTITION = "label-feedback-yield";
    /** The state store holding each open budget window's {@link BudgetWindow}, by window start. */
    public static final String BUDGET_STORE = "selection-budget-windows";
    /** The internal topic that brings every harvested frame to the one budget task. */
    public static final String BUDGET_REPARTITION = "edge-case-budget";
    /** The one key every harvested frame is re-keyed to when budgets apply. */
    static final String BUDGET_KEY = "fleet";
    /**
     * The global store holding the campaign table: campaign id → the latest valid {@code Campaign}
     * on {@code campaigns}, kept in memory and rebuilt from the compacted topic on start.
     */
    public static final String CAMPAIGN_STORE = "selection-campaigns";
    /** The state store holding, per campaign id, how many edge cases went out naming its trigger. */
    public static final String CAMPAIGN_HARVESTS_STORE = "selection-campaign-harvests";
    /** The internal topic that brings every edge case a campaign fired on to the one campaign-budget task. */
    public static final String CAMPAIGN_BUDGET_REPARTITION = "edge-case-campaign-budget";
    private static final String CAMPAIGN_BRANCH = "campaign";
    private static final String NO_CAMPAIGN_BRANCH = "no-campaign";
    private static final String HARVESTED_PREFIX = "harvested-";

    private static final String BRANCH_PREFIX = "scored-frames-";
    private static final String MALFORMED = "malformed";
    private static final String WELL_FORMED = "well-formed";

    private SelectionTopology() {}

    /** Adds the stage to {@code builder}, with counters nobody reads. */
    public static void build(StreamsBuilder builder, SelectionConfig config) {
        build(builder, config, new SelectionMetrics());
    }

    /** Adds the stage to {@code builder}, counting frames seen, harvested and malformed in {@code metrics}. */
    public static void build(StreamsBuilder builder, SelectionConfig config, SelectionMetrics metrics) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(WINDOW_STORE), Serdes.Integer(), Serdes.Double()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(QUANTILE_STORE), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RECENT_HARVESTS_STORE), Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(NOVELTY_STORE), Serdes.Integer(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FLICKER_STORE), Serdes.String(), Serdes.ByteArray()));

        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CAMPAIGN_STORE),
                                Topics.CAMPAIGNS.keySerde(), Topics.CAMPAIGNS.valueSerde()).withLoggingDisabled(),
                Topics.CAMPAIGNS.name(),
                Consumed.with(Topics.CAMPAIGNS.keySerde(), Topics.CAMPAIGNS.valueSerde()).withName("campaigns-source"),
                CampaignTableProcessor::new);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CAMPAIGN_HARVESTS_STORE), Serdes.String(), Serdes.Long()));

        buildYieldFeedback(builder, config, metrics);

        KStream<String, ScoredFrame> scored = builder.stream(Topics.FRAMES_SCORED.name(),
                Consumed.with(Topics.FRAMES_SCORED.keySerde(), Topics.FRAMES_SCORED.valueSerde())
                        .withName("frames-scored-source"));

        // Check each record once and route on the outcome.
        Map<String, KStream<String, ScoredFrameCheck.Checked>> branches = scored
                .mapValues(ScoredFrameCheck.Checked::of, Named.as("check-scored-frame"))
                .split(Named.as(BRANCH_PREFIX))
                .branch((vehicleId, checked) -> !checked.wellFormed(), Branched.as(MALFORMED))
                .defaultBranch(Branched.as(WELL_FORMED));

        branches.get(BRANCH_PREFIX + MALFORMED)
                .process(() -> new MalformedFrameProcessor(metrics), Named.as("malformed-scored-frame-to-dlq"))
                .to(Topics.FRAMES_DLQ.name(), Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                        .withName("frames-dlq-sink"));

        KStream<String, EdgeCase> harvested = branches.get(BRANCH_PREFIX + WELL_FORMED)
                .mapValues(ScoredFrameCheck.Checked::frame, Named.as("well-formed-scored-frame"))
                .process(() -> new SelectionProcessor(config, metrics), Named.as("select-edge-cases"),
                        WINDOW_STORE, QUANTILE_STORE, RECENT_HARVESTS_STORE, NOVELTY_STORE, FLICKER_STORE);
        harvested = applyCampaignBudgets(harvested, metrics);
        if (config.budget().enabled()) {
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(BUDGET_STORE), Serdes.String(), Serdes.ByteArray()));
            harvested = harvested
                    .selectKey((frameId, edgeCase) -> BUDGET_KEY, Named.as("budget-key-all-vehicles"))
                    .repartition(Repartitioned.<String, EdgeCase>as(BUDGET_REPARTITION)
                            .withKeySerde(Serdes.String())
                            .withValueSerde(Topics.EDGE_CASES.valueSerde())
                            .withNumberOfPartitions(1))
                    .process(() -> new BudgetProcessor(config.budget(), metrics), Named.as("apply-harvest-budget"),
                            BUDGET_STORE);
        }
        harvested
                .to(Topics.EDGE_CASES.name(), Produced.with(Topics.EDGE_CASES.keySerde(), Topics.EDGE_CASES.valueSerde())
                        .withName("edge-cases-sink"));
    }

    /**
     * Label feedback → per-trigger yield counts and bandit shares (one task) → {@code trigger-yield}
     * → a global table every selection task reads.
     */
    private static void buildYieldFeedback(StreamsBuilder builder, SelectionConfig config, SelectionMetrics metrics) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(YIELD_COUNTS_STORE), Serdes.String(), Serdes.ByteArray()));
        // Window size = retention, no duplicates, as ingest's dedup store: expired frame ids go with
        // their whole segment, and the changelog is compacted and deleted after the retention too.
        Duration retention = config.yield().feedbackDedupRetention();
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(FEEDBACK_SEEN_STORE, retention, retention, false),
                Serdes.String(), Serdes.Long()));
        builder.stream(Topics.LABEL_FEEDBACK.name(),
                        Consumed.with(Topics.LABEL_FEEDBACK.keySerde(), Topics.LABEL_FEEDBACK.valueSerde())
                                .withName("label-feedback-source"))
                .selectKey((frameId, feedback) -> BUDGET_KEY, Named.as("label-feedback-key-all-frames"))
                .repartition(Repartitioned.<String, io.gleaner.schema.v1.LabelFeedback>as(FEEDBACK_REPARTITION)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Topics.LABEL_FEEDBACK.valueSerde())
                        .withNumberOfPartitions(1))
                .process(() -> new LabelFeedbackProcessor(config.yield(), metrics), Named.as("count-trigger-yield"),
                        YIELD_COUNTS_STORE, FEEDBACK_SEEN_STORE)
                .to(Topics.TRIGGER_YIELD.name(),
                        Produced.with(Topics.TRIGGER_YIELD.keySerde(), Topics.TRIGGER_YIELD.valueSerde())
                                .withName("trigger-yield-sink"));
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TRIGGER_YIELD_STORE),
                                Topics.TRIGGER_YIELD.keySerde(), Topics.TRIGGER_YIELD.valueSerde()).withLoggingDisabled(),
                Topics.TRIGGER_YIELD.name(),
                Consumed.with(Topics.TRIGGER_YIELD.keySerde(), Topics.TRIGGER_YIELD.valueSerde())
                        .withName("trigger-yield-source"),
                () -> new TriggerYieldTableProcessor(metrics));
    }

    /**
     * Sends the edge cases a campaign fired on through the one campaign-budget task, and the rest
     * straight on: only campaign frames pay for the extra hop.
     */
    private static KStream<String, EdgeCase> applyCampaignBudgets(KStream<String, EdgeCase> harvested,
                                                                  SelectionMetrics metrics) {
        Map<String, KStream<String, EdgeCase>> routes = harvested
                .split(Named.as(HARVESTED_PREFIX))
                .branch((frameId, edgeCase) -> edgeCase.getTriggersList().stream()
                        .anyMatch(trigger -> CampaignSpec.campaignId(trigger.getName()) != null),
                        Branched.as(CAMPAIGN_BRANCH))
                .defaultBranch(Branched.as(NO_CAMPAIGN_BRANCH));
        KStream<String, EdgeCase> budgeted = routes.get(HARVESTED_PREFIX + CAMPAIGN_BRANCH)
                .selectKey((frameId, edgeCase) -> BUDGET_KEY, Named.as("campaign-budget-key-all-vehicles"))
                .repartition(Repartitioned.<String, EdgeCase>as(CAMPAIGN_BUDGET_REPARTITION)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Topics.EDGE_CASES.valueSerde())
                        .withNumberOfPartitions(1))
                .process(() -> new CampaignBudgetProcessor(metrics), Named.as("apply-campaign-budget"),
                        CAMPAIGN_HARVESTS_STORE);
        return routes.get(HARVESTED_PREFIX + NO_CAMPAIGN_BRANCH).merge(budgeted, Named.as("merge-campaign-budgeted"));
    }
}
