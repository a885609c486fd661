package io.gleaner.scorer;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
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
 * version differs from the one served, it loads the artifact (checking its SHA-256), runs one trial
 * prediction and swaps it in between batches. A bad artifact, or a model that cannot predict, is
 * logged, counted and refused for good; a load that fails for another reason (an I/O error) is
 * retried with a backoff. A batch prediction that throws is re-run in parts to find the frames the
 * model fails on alone, which go to {@code frames.dlq}; so does a frame with a NaN or infinite
 * output. Only a model that fails a known-good trial input, or most frames, stops serving and has its
 * version refused; its frames stay buffered for the next version. (The model is looked up per batch rather
 * than pushed by a global-store processor because restoring a global store after a restart does
 * not run its processor.)
 *
 * <p>Frames wait in a changelogged store until a batch of {@link ScorerConfig#batchSize()} is
 * full or {@link ScorerConfig#maxBatchDelay()} of wall-clock time passes, and until a model exists.
 * A batch holds fewer frames when the model is slow, so that it stays within
 * {@link ScorerConfig#maxBatchTime()}; run the stage with {@link ScorerConfig#streamsOverrides()}.
 * A record that is not a {@code FrameEvent}, whose image the model cannot preprocess, that the model
 * fails on, or that it gives NaN or infinite outputs for, goes to {@code frames.dlq} with its original key
 * and {@code FrameEvent} bytes and {@link io.gleaner.schema.DlqHeaders}.
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
    /** Sink of scored frames. */
    public static final String SCORED_SINK = "scorer-frames-scored-sink";
    /** Sink of frames that could not be scored, to {@code frames.dlq}. */
    public static final String DLQ_SINK = "scorer-dlq-sink";

    private static final String ROUTE_PREFIX = "scorer-route-";
    private static final String SCORED_BRANCH = "scored";
    private static final String UNSCORABLE_BRANCH = "unscorable";

    private ScorerTopology() {}

    /** Adds the scorer to {@code builder}; its metrics are not readable from outside. */
    public static void build(StreamsBuilder builder, ScorerConfig config, ModelHolder holder) {
        build(builder, config, holder, new ScorerMetrics(holder));
    }

    /** Adds the scorer to {@code builder}, counting into {@code metrics}. */
    public static void build(StreamsBuilder builder, ScorerConfig config, ModelHolder holder, ScorerMetrics metrics) {
        build(builder, config, holder, metrics, PredictorFactory.BATCH_PREDICTOR);
    }

    /**
     * Adds the scorer to {@code builder}, counting into {@code metrics}, scoring with the predictors
     * {@code predictors} makes (fault tests wrap {@link PredictorFactory#BATCH_PREDICTOR}).
     */
    public static void build(StreamsBuilder builder, ScorerConfig config, ModelHolder holder, ScorerMetrics metrics,
            PredictorFactory predictors) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(predictors, "predictors");
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

        // Cached: a frame put and scored (deleted) between two commits never reaches RocksDB or the
        // changelog, only its tombstone does; what is still buffered at a commit is flushed to both
        // in that commit's transaction, before its input offset commits, so a crash loses nothing.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(BATCH_BUFFER_STORE), Serdes.Long(), BufferedFrame.serde())
                .withCachingEnabled());

        ModelFollower follower = new ModelFollower(config.modelName(), holder, metrics);
        // Values stay bytes: the buffer stores them as read and scoring parses them once.
        Map<String, KStream<String, ScorerOutput>> routes = builder.stream(Topics.FRAMES_VALID.name(),
                        Consumed.with(Topics.FRAMES_VALID.keySerde(), Serdes.ByteArray())
                                .withName("scorer-frames-valid-source"))
                .process(() -> new BatchScoringProcessor(config, holder, follower, metrics, predictors),
                        Named.as(SCORING_PROCESSOR), BATCH_BUFFER_STORE)
                .split(Named.as(ROUTE_PREFIX))
                .branch((key, out) -> out instanceof ScorerOutput.Scored, Branched.as(SCORED_BRANCH))
                .defaultBranch(Branched.as(UNSCORABLE_BRANCH));

        routes.get(ROUTE_PREFIX + SCORED_BRANCH)
                .mapValues(out -> ((ScorerOutput.Scored) out).frame(), Named.as("scorer-scored-frame"))
                .to(Topics.FRAMES_SCORED.name(),
                        Produced.with(Topics.FRAMES_SCORED.keySerde(), Topics.FRAMES_SCORED.valueSerde())
                                .withName(SCORED_SINK));

        // The DLQ carries the key as it was read: frames.valid keys are the vehicle id as UTF-8.
        Serializer<String> originalKey = Topics.FRAMES_VALID.keySerde().serializer();
        routes.get(ROUTE_PREFIX + UNSCORABLE_BRANCH)
                .map((key, out) -> KeyValue.pair(originalKey.serialize(Topics.FRAMES_VALID.name(), key),
                        ((ScorerOutput.Unscorable) out).frame()), Named.as("scorer-original-bytes"))
                .to(Topics.FRAMES_DLQ.name(),
                        Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                                .withName(DLQ_SINK));
    }
}
