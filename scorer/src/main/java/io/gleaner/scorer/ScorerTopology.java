package io.gleaner.scorer;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The scorer stage: {@code frames.valid} → batched inference → {@code frames.scored}, keyed by
 * vehicle id, in arrival order.
 *
 * <p>Every instance reads {@code model-updates} into a global store. Before each batch the
 * scoring processor looks up the latest update for {@link ScorerConfig#modelName()}; when its
 * version differs from the one served, it loads the artifact (checking its SHA-256) and swaps it in
 * between batches. An update that fails to load is logged, counted and not retried; the previous
 * model keeps serving. (The model is looked up per batch rather than pushed by a global-store
 * processor because restoring a global store after a restart does not run its processor.)
 *
 * <p>Frames wait in a changelogged store until a batch of {@link ScorerConfig#batchSize()} is
 * full or {@link ScorerConfig#maxBatchDelay()} of wall-clock time passes, and until a model exists.
 */
public final class ScorerTopology {
    /** Kafka Streams {@code application.id} of the scorer. */
    public static final String APPLICATION_ID = "gleaner-scorer";
    /** Global store of the latest {@code ModelUpdate} per model name. */
    public static final String MODEL_UPDATES_STORE = "scorer-model-updates";
    /** Changelogged store of frames waiting to be scored, by per-task sequence number. */
    public static final String BATCH_BUFFER_STORE = "scorer-batch-buffer";
    /** The processor that batches and scores frames. */
    public static final String SCORING_PROCESSOR = "scorer-batch-score";

    private ScorerTopology() {}

    /** Adds the scorer to {@code builder}; its metrics are not readable from outside. */
    public static void build(StreamsBuilder builder, ScorerConfig config, ModelHolder holder) {
        build(builder, config, holder, new ScorerMetrics(holder));
    }

    /** Adds the scorer to {@code builder}, counting into {@code metrics}. */
    public static void build(StreamsBuilder builder, ScorerConfig config, ModelHolder holder, ScorerMetrics metrics) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(metrics, "metrics");

        builder.globalTable(Topics.MODEL_UPDATES.name(),
                Consumed.with(Topics.MODEL_UPDATES.keySerde(), Topics.MODEL_UPDATES.valueSerde())
                        .withName("scorer-model-updates-source"),
                Materialized.<String, ModelUpdate, KeyValueStore<Bytes, byte[]>>as(MODEL_UPDATES_STORE)
                        .withKeySerde(Topics.MODEL_UPDATES.keySerde())
                        .withValueSerde(Topics.MODEL_UPDATES.valueSerde())
                        .withCachingDisabled());

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(BATCH_BUFFER_STORE), Serdes.Long(), BufferedFrame.serde()));

        ModelFollower follower = new ModelFollower(config.modelName(), holder, metrics);
        builder.stream(Topics.FRAMES_VALID.name(),
                        Consumed.with(Topics.FRAMES_VALID.keySerde(), Topics.FRAMES_VALID.valueSerde())
                                .withName("scorer-frames-valid-source"))
                .process(() -> new BatchScoringProcessor(config, holder, follower, metrics),
                        Named.as(SCORING_PROCESSOR), BATCH_BUFFER_STORE)
                .to(Topics.FRAMES_SCORED.name(),
                        Produced.with(Topics.FRAMES_SCORED.keySerde(), Topics.FRAMES_SCORED.valueSerde())
                                .withName("scorer-frames-scored-sink"));
    }
}
