package io.gleaner.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.ingest.poison.PoisonRecord;
import io.gleaner.ingest.poison.PoisonZoo;
import io.gleaner.ingest.poison.RawRecord;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ImageEncoding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTopologyTest {
    private static final IngestConfig CONFIG = new IngestConfig(32_768, 16_384, 1024, 1024, Duration.ofMinutes(10));

    @TempDir
    Path stateDir;

    private final IngestMetrics metrics = new IngestMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, FrameEvent> valid;
    private TestOutputTopic<byte[], byte[]> dlq;

    private Topology start() {
        return start(CONFIG, TestFrames.CLOCK);
    }

    private Topology start(IngestConfig config, Clock clock) {
        return start(config, clock, Instant.now());
    }

    /** Starts the driver with its wall clock (the dedup store's clock) at {@code wallClock}. */
    private Topology start(IngestConfig config, Clock clock, Instant wallClock) {
        StreamsBuilder builder = new StreamsBuilder();
        IngestTopology.build(builder, config, metrics, clock);
        Topology topology = builder.build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, IngestTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props, wallClock);
        raw = driver.createInputTopic(Topics.FRAMES_RAW.name(), new ByteArraySerializer(), new ByteArraySerializer());
        valid = driver.createOutputTopic(Topics.FRAMES_VALID.name(), new StringDeserializer(),
                Topics.FRAMES_VALID.valueSerde().deserializer());
        dlq = driver.createOutputTopic(Topics.FRAMES_DLQ.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return topology;
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void goodFrameReachesFramesValidKeyedByVehicle() {
        start();
        FrameEvent frame = TestFrames.pngFrame("f-1", "vehicle-03").build();
        raw.pipeInput(key("vehicle-03"), frame.toByteArray());

        assertThat(valid.readKeyValuesToList()).containsExactly(KeyValue.pair("vehicle-03", frame));
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(metrics.accepted()).isEqualTo(1);
        assertThat(metrics.rejectedTotal()).isZero();
    }

    @Test
    void acceptedFrameLeavesAsTheExactBytesItArrivedAsUnknownFieldsIncluded() {
        // The stage forwards what it validated instead of re-encoding the parsed frame: a field
        // from a newer producer (number 999, unknown to this schema) must reach frames.valid too.
        start();
        byte[] known = TestFrames.pngFrame("f-2", "vehicle-04").build().toByteArray();
        byte[] unknownField = {(byte) 0xB8, 0x3E, 0x07}; // field 999, varint 7
        byte[] sent = new byte[known.length + unknownField.length];
        System.arraycopy(known, 0, sent, 0, known.length);
        System.arraycopy(unknownField, 0, sent, known.length, unknownField.length);
        raw.pipeInput(key("vehicle-04"), sent);

        TestOutputTopic<byte[], byte[]> validBytes = driver.createOutputTopic(Topics.FRAMES_VALID.name(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TestRecord<byte[], byte[]> out = validBytes.readRecord();
        assertThat(out.key()).isEqualTo(key("vehicle-04"));
        assertThat(out.value()).isEqualTo(sent);
        assertThat(validBytes.isEmpty()).isTrue();
    }

    @Test
    void garbageBytesGoToDlqWithOriginalKeyBytesAndSource() {
        start();
        byte[] key = {(byte) 0xC3, 0x28, 0x00}; // not even UTF-8: must come back byte for byte
        byte[] garbage = "not a protobuf at all".getBytes(StandardCharsets.UTF_8);
        raw.pipeInput(new TestRecord<>(key, garbage));

        TestRecord<byte[], byte[]> rejected = dlq.readRecord();
        assertThat(rejected.key()).isEqualTo(key);
        assertThat(rejected.value()).isEqualTo(garbage);
        assertThat(header(rejected, DlqHeaders.REASON)).isEqualTo("unparseable-protobuf");
        assertThat(header(rejected, DlqHeaders.EXCEPTION)).isEqualTo("com.google.protobuf.InvalidProtocolBufferException$InvalidWireTypeException");
        assertThat(header(rejected, DlqHeaders.DETAIL)).startsWith("record of 21 bytes");
        assertThat(header(rejected, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.FRAMES_RAW.name());
        assertThat(header(rejected, DlqHeaders.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(rejected, DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(valid.isEmpty()).isTrue();
        assertThat(metrics.rejected(RejectReason.UNPARSEABLE_PROTOBUF)).isEqualTo(1);
    }

    @Test
    void eachKindOfBadRecordLandsInDlqWithItsReasonAndOriginalBytes() {
        start();
        byte[] oversized = TestFrames.frame("big", "v", ImageEncoding.IMAGE_ENCODING_RAW, 120, 120, new byte[120 * 120 * 3])
                .build().toByteArray();
        byte[] hugePng = TestFrames.frame("7f3a", "v", ImageEncoding.IMAGE_ENCODING_PNG, 64, 64,
                TestFrames.pngHeader(30_000, 30_000)).build().toByteArray();
        byte[] pngAsJpeg = TestFrames.frame("jpg", "v", ImageEncoding.IMAGE_ENCODING_JPEG, 64, 64,
                TestFrames.pngHeader(64, 64)).build().toByteArray();
        byte[] badAction = TestFrames.pngFrame("act", "v")
                .setHumanAction(DriverAction.newBuilder().setSteering(3f)).build().toByteArray();
        List<byte[]> bad = List.of(oversized, hugePng, pngAsJpeg, badAction);
        bad.forEach(value -> raw.pipeInput(key("v"), value));

        List<TestRecord<byte[], byte[]>> rejected = dlq.readRecordsToList();
        assertThat(rejected).extracting(r -> header(r, DlqHeaders.REASON)).containsExactly(
                "message-too-large", "image-dimensions-too-large", "encoding-mismatch", "invalid-action");
        assertThat(rejected).extracting(TestRecord::value).containsExactlyElementsOf(bad);
        assertThat(rejected).extracting(TestRecord::key).allSatisfy(k -> assertThat(k).isEqualTo(key("v")));
        assertThat(header(rejected.get(1), DlqHeaders.DETAIL)).isEqualTo(
                "frame 7f3a: PNG header is 30000x30000 px, limit is 1024x1024 (ingest.max-width/max-height)");
        assertThat(rejected.get(1).headers().lastHeader(DlqHeaders.EXCEPTION)).isNull();
        assertThat(valid.isEmpty()).isTrue();
        assertThat(metrics.rejectedTotal()).isEqualTo(4);
        assertThat(metrics.rejected(RejectReason.IMAGE_DIMENSIONS_TOO_LARGE)).isEqualTo(1);
    }

    @Test
    void tombstoneGoesToDlqInsteadOfStoppingTheStream() {
        start();
        raw.pipeInput(new TestRecord<>(key("v"), null));
        raw.pipeInput(key("v"), TestFrames.pngFrame("after", "v").build().toByteArray());

        TestRecord<byte[], byte[]> rejected = dlq.readRecord();
        assertThat(rejected.value()).isNull();
        assertThat(header(rejected, DlqHeaders.REASON)).isEqualTo("empty-message");
        assertThat(valid.readValue().getFrameId()).isEqualTo("after");
    }

    @Test
    void duplicateFrameIdReachesFramesValidOnceAndIsCounted() {
        start();
        byte[] frame = TestFrames.pngFrame("dup", "v").build().toByteArray();
        raw.pipeInput(key("v"), frame);
        raw.pipeInput(key("v"), frame);

        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId).containsExactly("dup");
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(metrics.duplicates()).isEqualTo(1);
        assertThat(metrics.accepted()).isEqualTo(1);
    }

    @Test
    void frameIdIsForgottenAfterTheRetention() {
        // Early in a bucket, so that the second sighting lands in the next one, where the first is still stored.
        start(CONFIG, TestFrames.CLOCK, bucketStart().plusSeconds(1));
        byte[] frame = TestFrames.pngFrame("again", "v").build().toByteArray();
        raw.pipeInput(key("v"), frame);
        driver.advanceWallClockTime(CONFIG.dedupRetention().plusMinutes(1));
        raw.pipeInput(key("v"), frame);
        raw.pipeInput(key("v"), frame);

        assertThat(valid.readValuesToList()).hasSize(2); // the third is a duplicate: remembered anew
        assertThat(metrics.duplicates()).isEqualTo(1);
    }

    @Test
    void aResendInTheNextBucketIsStillADuplicate() {
        start(CONFIG, TestFrames.CLOCK, bucketStart().plus(CONFIG.dedupRetention()).minusSeconds(1));
        byte[] frame = TestFrames.pngFrame("edge", "v").build().toByteArray();
        raw.pipeInput(key("v"), frame);
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        raw.pipeInput(key("v"), frame);

        assertThat(valid.readValuesToList()).hasSize(1);
        assertThat(metrics.duplicates()).isEqualTo(1);
    }

    @Test
    void aResendJustInsideTheRetentionIsStillADuplicate() {
        start();
        byte[] frame = TestFrames.pngFrame("late", "v").build().toByteArray();
        raw.pipeInput(key("v"), frame);
        driver.advanceWallClockTime(CONFIG.dedupRetention().minusSeconds(1));
        raw.pipeInput(key("v"), frame);

        assertThat(valid.readValuesToList()).hasSize(1);
        assertThat(metrics.duplicates()).isEqualTo(1);
    }

    @Test
    void expiredIdsLeaveTheStoreAsWholeSegmentsWithNoPruningPass() {
        // Regression: pruning used to scan the whole store with all() on the stream thread.
        start();
        raw.pipeInput(key("v"), TestFrames.pngFrame("old", "v").build().toByteArray());
        driver.advanceWallClockTime(CONFIG.dedupRetention().multipliedBy(3));
        raw.pipeInput(key("v"), TestFrames.pngFrame("new", "v").build().toByteArray());

        assertThat(seenIds()).containsExactly("new");
    }

    @Test
    void recordNotKeyedByItsVehicleIdGoesToDlqAsKeyMismatchAndIsNotRemembered() {
        start();
        byte[] frame = TestFrames.pngFrame("k-1", "vehicle-07").build().toByteArray();
        raw.pipeInput(key("vehicle-08"), frame);
        raw.pipeInput(new TestRecord<>((byte[]) null, frame));
        raw.pipeInput(key("vehicle-07"), frame);

        List<TestRecord<byte[], byte[]>> rejected = dlq.readRecordsToList();
        assertThat(rejected).extracting(r -> header(r, DlqHeaders.REASON)).containsExactly("key-mismatch", "key-mismatch");
        assertThat(header(rejected.get(0), DlqHeaders.DETAIL)).contains("by the frame's vehicle_id as UTF-8 bytes ('vehicle-07')");
        assertThat(rejected.get(0).key()).isEqualTo(key("vehicle-08"));
        assertThat(rejected.get(1).key()).isNull();
        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId).containsExactly("k-1");
        assertThat(metrics.rejected(RejectReason.KEY_MISMATCH)).isEqualTo(2);
    }

    @Test
    void unboundedOrNulIdsAndUriImagesGoToDlqBeforeTheyCanJamTheQueueSink() {
        start();
        raw.pipeInput(key("v"), TestFrames.pngFrame("f\u0000", "v").build().toByteArray());
        raw.pipeInput(key("v"), TestFrames.pngFrame("x".repeat(2000), "v").build().toByteArray());
        raw.pipeInput(key("v"), TestFrames.pngFrame("by-uri", "v")
                .setImage(io.gleaner.schema.v1.Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG)
                        .setWidth(64).setHeight(64).setUri("s3://fleet/by-uri.png")).build().toByteArray());

        assertThat(dlq.readRecordsToList()).extracting(r -> header(r, DlqHeaders.REASON))
                .containsExactly("invalid-id", "invalid-id", "image-uri-unsupported");
        assertThat(valid.isEmpty()).isTrue();
        assertThat(metrics.rejected(RejectReason.INVALID_ID)).isEqualTo(2);
    }

    @Test
    void aReplayedDeadLetterGetsOneSetOfDlqHeaders() {
        start();
        TestRecord<byte[], byte[]> replay = new TestRecord<>(key("v"), new byte[] {(byte) 0xFF});
        replay.headers().add(DlqHeaders.REASON, "old-reason".getBytes(StandardCharsets.UTF_8));
        replay.headers().add(DlqHeaders.EXCEPTION, "OldException".getBytes(StandardCharsets.UTF_8));
        replay.headers().add(DlqHeaders.SOURCE_OFFSET, "99".getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(replay);

        TestRecord<byte[], byte[]> rejected = dlq.readRecord();
        assertThat(rejected.headers().headers(DlqHeaders.REASON)).hasSize(1);
        assertThat(rejected.headers().headers(DlqHeaders.SOURCE_OFFSET)).hasSize(1);
        assertThat(header(rejected, DlqHeaders.REASON)).isEqualTo("unparseable-protobuf");
        assertThat(header(rejected, DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
    }

    @Test
    void rejectedFrameIdIsNotRememberedSoACorrectedResendPasses() {
        start();
        FrameEvent.Builder frame = TestFrames.pngFrame("fixed", "v");
        raw.pipeInput(key("v"), frame.setHumanAction(DriverAction.newBuilder().setSteering(9f)).build().toByteArray());
        raw.pipeInput(key("v"), frame.setHumanAction(DriverAction.newBuilder().setSteering(0.1f)).build().toByteArray());

        assertThat(dlq.readRecordsToList()).hasSize(1);
        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId).containsExactly("fixed");
    }

    @Test
    void framesOfOneVehicleKeepTheirOrderAcrossRejections() {
        start();
        for (int i = 0; i < 20; i++) {
            raw.pipeInput(key("vehicle-01"), TestFrames.pngFrame("f-" + i, "vehicle-01").build().toByteArray());
            if (i % 5 == 0) {
                raw.pipeInput(key("vehicle-01"), new byte[] {(byte) 0xFF});
            }
        }

        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "f-" + i).toList());
        assertThat(dlq.readRecordsToList()).hasSize(4);
    }

    @Test
    void everyProcessorAndStoreIsNamed() {
        String description = start().describe().toString();
        assertThat(description).contains("ingest-frames-raw-source", "ingest-validate-and-dedup",
                "ingest-frames-valid-sink", "ingest-frames-dlq-sink", IngestTopology.SEEN_FRAME_IDS_STORE);
        assertThat(description).doesNotContain("KSTREAM-");
    }

    @Test
    void everyZooRecordLandsInDlqWithItsReasonAndTheGoodFramesAroundThemAllPassInOrder() {
        List<FrameEvent> simulated = new FleetSimulator(SimulatorConfig.defaults()).next(400).stream()
                .map(SimulatedFrame::event).toList();
        long lastCapture = simulated.stream().mapToLong(FrameEvent::getCaptureTimeMs).max().orElseThrow();
        Clock clock = Clock.fixed(Instant.ofEpochMilli(lastCapture).plusSeconds(60), ZoneOffset.UTC);
        start(IngestConfig.defaults(), clock);
        PoisonZoo zoo = new PoisonZoo(7, "zoo-vehicle", lastCapture);
        List<RawRecord> good = simulated.stream()
                .map(f -> RawRecord.good(f.getFrameId(), key(f.getVehicleId()), f.toByteArray())).toList();
        // Two of every kind, the 20 MB value among them, scattered through the good frames.
        double rate = 2.0 * PoisonZoo.Kind.values().length / good.size();
        List<RawRecord> mixed = zoo.mix(good, rate, 11);
        List<RawRecord> poison = mixed.stream().filter(RawRecord::isPoison).toList();
        assertThat(poison).hasSize(2 * PoisonZoo.Kind.values().length);

        mixed.forEach(r -> raw.pipeInput(new TestRecord<>(r.key(), r.value())));

        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId)
                .containsExactlyElementsOf(simulated.stream().map(FrameEvent::getFrameId).toList());
        List<TestRecord<byte[], byte[]>> rejected = dlq.readRecordsToList();
        assertThat(rejected).extracting(r -> header(r, DlqHeaders.REASON))
                .containsExactlyElementsOf(poison.stream().map(r -> r.expectedRejection().orElseThrow().code()).toList());
        assertThat(rejected).extracting(TestRecord::value).containsExactlyElementsOf(poison.stream().map(RawRecord::value).toList());
        assertThat(rejected).extracting(TestRecord::key).containsExactlyElementsOf(poison.stream().map(RawRecord::key).toList());
        assertThat(metrics.received()).isEqualTo(mixed.size());
        assertThat(metrics.accepted()).isEqualTo(simulated.size());
        assertThat(metrics.rejected(RejectReason.UNDECODABLE_IMAGE)).isEqualTo(4);
        assertThat(metrics.decodes()).as("every good PNG and the four truncated images").isEqualTo(simulated.size() + 4);
    }

    @Test
    void zooRecordsAndDuplicatesInterleavedLeaveOneCopyOfEachGoodFrame() {
        List<FrameEvent> simulated = new FleetSimulator(SimulatorConfig.defaults()).next(30).stream()
                .map(SimulatedFrame::event).toList();
        long lastCapture = simulated.get(simulated.size() - 1).getCaptureTimeMs();
        start(IngestConfig.defaults(), Clock.fixed(Instant.ofEpochMilli(lastCapture), ZoneOffset.UTC));
        List<PoisonRecord> zoo = new PoisonZoo(3, "zoo-vehicle", lastCapture, 3 * 1024 * 1024).all();
        for (int i = 0; i < simulated.size(); i++) {
            FrameEvent frame = simulated.get(i);
            raw.pipeInput(key(frame.getVehicleId()), frame.toByteArray());
            PoisonRecord bad = zoo.get(i % zoo.size());
            raw.pipeInput(new TestRecord<>(bad.key(), bad.value()));
            raw.pipeInput(key(frame.getVehicleId()), frame.toByteArray());
        }

        assertThat(valid.readValuesToList()).extracting(FrameEvent::getFrameId)
                .containsExactlyElementsOf(simulated.stream().map(FrameEvent::getFrameId).toList());
        assertThat(dlq.readRecordsToList()).hasSize(simulated.size());
        assertThat(metrics.duplicates()).isEqualTo(simulated.size());
    }

    /** The start of a dedup bucket of {@link #CONFIG} an hour ago. */
    private static Instant bucketStart() {
        long retentionMs = CONFIG.dedupRetention().toMillis();
        return Instant.ofEpochMilli(IngestTopology.dedupBucketStart(System.currentTimeMillis() - 3_600_000L, retentionMs));
    }

    private List<String> seenIds() {
        WindowStore<String, Long> store = driver.getWindowStore(IngestTopology.SEEN_FRAME_IDS_STORE);
        List<String> ids = new java.util.ArrayList<>();
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            all.forEachRemaining(entry -> ids.add(entry.key.key()));
        }
        return ids;
    }

    private static byte[] key(String vehicleId) {
        return vehicleId.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
