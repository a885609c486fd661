package io.gleaner.ingest;

import io.gleaner.schema.Topics;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The ingest stage: {@code frames.raw} → validate → dedup by frame id → {@code frames.valid}, with
 * every rejected record routed to {@code frames.dlq} (original key and bytes, reason headers).
 *
 * <p>Records are read as bytes and parsed inside the topology, so a bad record is routed and
 * counted, never thrown: nothing that arrives on {@code frames.raw} can stop the stream. Accepted
 * frames are keyed by their vehicle id, which keeps one vehicle's frames in order, and leave as the
 * exact key and value bytes that came in (no re-encoding). The dedup store is local to a
 * partition; that is enough because a vehicle's frames, re-sent ones included, are keyed by the
 * vehicle and so always land on the same partition. That is enforced, not assumed: a
 * record whose key is not its frame's vehicle id goes to the DLQ as {@code key-mismatch}.
 */
public final class IngestTopology {
    /** The Kafka Streams {@code application.id} of this stage. */
    public static final String APPLICATION_ID = "gleaner-ingest";
    /**
     * Frame ids accepted within the dedup retention: a window store keyed by frame id, valued with the
     * wall-clock time the id was first seen, each entry in the window of {@link #dedupBucketStart}
     * (one {@code ingest.dedup-retention} wide), kept for two windows.
     */
    public static final String SEEN_FRAME_IDS_STORE = "ingest-seen-frame-ids";

    private static final String ROUTE_PREFIX = "ingest-route-";
    private static final String VALID_BRANCH = "valid";
    private static final String REJECTED_BRANCH = "rejected";

    private IngestTopology() {}

    /**
     * The window of {@link #SEEN_FRAME_IDS_STORE} an id first seen at {@code wallClockMs} is filed
     * under: the start of its bucket, buckets being {@code retentionMs} wide from the epoch.
     */
    static long dedupBucketStart(long wallClockMs, long retentionMs) {
        return Math.floorDiv(wallClockMs, retentionMs) * retentionMs;
    }

    /** Adds the stage to {@code builder}, counting into a metrics object nobody reads. */
    public static void build(StreamsBuilder builder, IngestConfig config) {
        build(builder, config, new IngestMetrics());
    }

    /**
     * Adds the stage to {@code builder}, counting received, accepted, duplicate and rejected records
     * and decode times in {@code metrics}, and judging capture times against the system clock.
     */
    public static void build(StreamsBuilder builder, IngestConfig config, IngestMetrics metrics) {
        build(builder, config, metrics, Clock.systemUTC());
    }

    /**
     * Adds the stage to {@code builder} as {@link #build(StreamsBuilder, IngestConfig, IngestMetrics)}
     * does, judging capture times against {@code clock} (tests pass a fixed one).
     */
    public static void build(StreamsBuilder builder, IngestConfig config, IngestMetrics metrics, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
        // Windows one retention wide, kept for two, so that the bucket before now is still there to be
        // read; no duplicates. Expired ids go with their whole segment, so forgetting costs no scan.
        StoreBuilder<WindowStore<String, Long>> seenFrameIds = Stores.windowStoreBuilder(
                Stores.persistentWindowStore(SEEN_FRAME_IDS_STORE, config.dedupRetention().multipliedBy(2),
                        config.dedupRetention(), false),
                Serdes.String(), Serdes.Long());
        builder.addStateStore(seenFrameIds);

        // The key is read as bytes too: a rejected record goes to the DLQ with its key exactly as sent.
        KStream<byte[], Verdict> verdicts = builder
                .stream(Topics.FRAMES_RAW.name(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ingest-frames-raw-source"))
                .process(() -> new ValidateAndDedupProcessor(config, metrics, clock),
                        Named.as("ingest-validate-and-dedup"), SEEN_FRAME_IDS_STORE);

        Map<String, KStream<byte[], Verdict>> routes = verdicts
                .split(Named.as(ROUTE_PREFIX))
                .branch((key, verdict) -> verdict.accepted(), Branched.as(VALID_BRANCH))
                .defaultBranch(Branched.as(REJECTED_BRANCH));

        // Accepted records go out as they came in: the validator proved the key is the frame's
        // vehicle id in UTF-8 (what frames.valid's String key serde writes) and the value a whole
        // FrameEvent, so parsing was the check and re-serializing would only copy every image again.
        routes.get(ROUTE_PREFIX + VALID_BRANCH)
                .mapValues(Verdict::originalValue, Named.as("ingest-valid-original-bytes"))
                .to(Topics.FRAMES_VALID.name(),
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("ingest-frames-valid-sink"));

        routes.get(ROUTE_PREFIX + REJECTED_BRANCH)
                .mapValues(Verdict::originalValue, Named.as("ingest-rejected-original-bytes"))
                .to(Topics.FRAMES_DLQ.name(),
                        Produced.with(Topics.FRAMES_DLQ.keySerde(), Topics.FRAMES_DLQ.valueSerde())
                                .withName("ingest-frames-dlq-sink"));
    }
}
