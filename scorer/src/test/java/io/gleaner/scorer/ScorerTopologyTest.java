package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.InferenceOptions;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.scorer.model.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScorerTopologyTest {
    private static final List<String> CLASSES = List.of("clear_road", "pedestrian_crossing", "stopped_vehicle");
    private static final int BATCH = 4;
    private static final Duration DELAY = Duration.ofMillis(100);
    // Time limits no batch here comes near on a loaded machine, so batch sizes do not depend on timing.
    private static final Duration UNHURRIED_BATCH = Duration.ofSeconds(30);
    private static final Duration UNHURRIED_TRANSACTION = Duration.ofMinutes(10);

    @TempDir
    static Path artifacts;
    private static ModelArtifact v1;
    private static ModelArtifact v2;

    @TempDir
    Path stateDir;
    private ModelHolder holder;
    private ScorerMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, FrameEvent> frames;
    private TestInputTopic<String, ModelUpdate> updates;
    private TestOutputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<byte[], byte[]> dlq;
    private int frameCounter;

    @BeforeAll
    static void saveTwoVersions() {
        try (DrivingModel first = DrivingModel.create(ModelSpec.defaults(CLASSES), 1);
                DrivingModel second = DrivingModel.create(ModelSpec.defaults(CLASSES), 2)) {
            v1 = first.save(artifacts.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
            v2 = second.save(artifacts.resolve("v2"), "v2", "v1", "fine-tune", Map.of());
        }
    }

    @BeforeEach
    void startDriver() {
        startDriver(new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, BATCH, DELAY).withTimeLimits(UNHURRIED_BATCH,
                UNHURRIED_TRANSACTION));
    }

    private void restartDriver(ScorerConfig config) {
        stopDriver();
        startDriver(config);
    }

    private void startDriver(ScorerConfig config) {
        holder = new ModelHolder();
        metrics = new ScorerMetrics(holder);
        StreamsBuilder builder = new StreamsBuilder();
        ScorerTopology.build(builder, config, holder, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, ScorerTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        frames = driver.createInputTopic(Topics.FRAMES_VALID.name(), Topics.FRAMES_VALID.keySerde().serializer(),
                Topics.FRAMES_VALID.valueSerde().serializer());
        updates = driver.createInputTopic(Topics.MODEL_UPDATES.name(), Topics.MODEL_UPDATES.keySerde().serializer(),
                Topics.MODEL_UPDATES.valueSerde().serializer());
        scored = driver.createOutputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().deserializer(), Topics.FRAMES_SCORED.valueSerde().deserializer());
        dlq = driver.createOutputTopic(Topics.FRAMES_DLQ.name(), Topics.FRAMES_DLQ.keySerde().deserializer(),
                Topics.FRAMES_DLQ.valueSerde().deserializer());
    }

    @AfterEach
    void stopDriver() {
        driver.close();
        holder.close();
    }

    @Test
    void framesThatArriveBeforeAnyModelWaitAndAreScoredOnceOneIsPublished() {
        List<FrameEvent> sent = pipeFrames("car-1", 3);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(scored.isEmpty()).isTrue();
        assertThat(metrics.framesWaiting()).isEqualTo(3);

        publish(v1, v1.sha256());
        driver.advanceWallClockTime(DELAY);

        List<KeyValue<String, ScoredFrame>> out = scored.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value.getFrame()).containsExactlyElementsOf(sent);
        assertThat(out).allSatisfy(kv -> {
            assertThat(kv.key).isEqualTo("car-1");
            assertThat(kv.value.getModelVersion()).isEqualTo("v1");
            assertThat(kv.value.getSceneClassesList()).isEqualTo(CLASSES);
            assertThat(kv.value.getSceneProbabilitiesList()).hasSize(3);
            assertThat(kv.value.getEmbeddingList()).hasSize(64);
            assertThat(kv.value.getPredictedAction().getSteering()).isBetween(-1f, 1f);
            assertThat(kv.value.getScoredTimeMs()).isPositive();
        });
        assertThat(metrics.framesScored()).isEqualTo(3);
        assertThat(metrics.framesWaiting()).isZero();
        assertThat(metrics.modelVersion()).isEqualTo("v1");
    }

    @Test
    void aFullBatchIsScoredWithoutWaitingForTheClock() {
        publish(v1, v1.sha256());

        List<FrameEvent> first = pipeFrames("car-1", BATCH - 1);
        assertThat(scored.isEmpty()).isTrue();
        first.addAll(pipeFrames("car-1", 1));
        // The full batch went to the forward thread at once; the next full batch, decoded while it
        // ran, forwards its scores before it goes there in turn. The clock never moves.
        pipeFrames("car-1", BATCH);

        List<ScoredFrame> out = scored.readValuesToList();
        assertThat(out).hasSizeGreaterThanOrEqualTo(BATCH);
        assertThat(out.subList(0, BATCH)).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(first);
        assertThat(metrics.batches()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theClockForwardsTheBatchLeftInFlight() {
        publish(v1, v1.sha256());
        List<FrameEvent> sent = pipeFrames("car-1", 2 * BATCH);

        driver.advanceWallClockTime(DELAY);

        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
        assertThat(metrics.batches()).isEqualTo(2);
        assertThat(metrics.framesWaiting()).isZero();
        assertThat(metrics.decodeSeconds()).as("decoding two batches took time").isPositive();
        assertThat(metrics.forwardSeconds()).as("two forward passes took time").isPositive();
    }

    @Test
    void aNewVersionIsSwappedInBetweenBatches() {
        publish(v1, v1.sha256());
        FrameEvent probe = frame("car-1", 1000);
        frames.pipeInput("car-1", probe);
        pipeFrames("car-1", BATCH - 1);
        driver.advanceWallClockTime(DELAY);
        ScoredFrame byV1 = scored.readValuesToList().get(0);

        publish(v2, v2.sha256());
        frames.pipeInput("car-1", probe);
        pipeFrames("car-1", BATCH - 1);
        driver.advanceWallClockTime(DELAY);
        List<ScoredFrame> afterSwap = scored.readValuesToList();

        assertThat(byV1.getModelVersion()).isEqualTo("v1");
        assertThat(afterSwap).hasSize(BATCH).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v2"));
        assertThat(afterSwap.get(0).getEmbeddingList()).isNotEqualTo(byV1.getEmbeddingList());
        assertThat(holder.currentVersion()).isEqualTo("v2");
    }

    @Test
    void anUpdateWithTheWrongDigestIsRefusedAndTheOldModelKeepsServing() {
        publish(v1, v1.sha256());
        pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);
        scored.readValuesToList();

        publish(v2, v1.sha256());
        pipeFrames("car-1", BATCH);
        pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);

        assertThat(scored.readValuesToList()).hasSize(2 * BATCH)
                .allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v1"));
        assertThat(metrics.modelLoadFailures()).as("refused once, not retried every batch").isEqualTo(1);
        assertThat(metrics.lastModelLoadError()).contains("v2", v1.sha256(), v2.sha256());
    }

    @Test
    void eachVehiclesFramesLeaveInTheOrderTheyArrived() {
        publish(v1, v1.sha256());
        List<FrameEvent> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String vehicle = i % 3 == 0 ? "car-a" : "car-b";
            FrameEvent frame = frame(vehicle, i);
            frames.pipeInput(vehicle, frame);
            sent.add(frame);
        }
        driver.advanceWallClockTime(DELAY);

        Map<String, List<String>> outByVehicle = scored.readKeyValuesToList().stream().collect(Collectors.groupingBy(
                kv -> kv.key, Collectors.mapping(kv -> kv.value.getFrame().getFrameId(), Collectors.toList())));
        Map<String, List<String>> sentByVehicle = sent.stream().collect(Collectors.groupingBy(
                FrameEvent::getVehicleId, Collectors.mapping(FrameEvent::getFrameId, Collectors.toList())));
        assertThat(outByVehicle).isEqualTo(sentByVehicle);
    }

    @Test
    void aFrameWhoseImageCannotBeDecodedGoesToTheDlqWithItsOriginalBytesAndReason() {
        // Regression: an unscorable frame used to leave only a log line and a counter behind.
        publish(v1, v1.sha256());
        pipeFrames("car-1", 2);
        FrameEvent broken = frame("car-1", 99).toBuilder()
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(64)
                        .setHeight(64).setChannels(3).setData(ByteString.copyFromUtf8("not a png")))
                .build();
        frames.pipeInput("car-1", broken);
        pipeFrames("car-1", BATCH - 3);
        driver.advanceWallClockTime(DELAY);

        assertThat(scored.readValuesToList()).hasSize(BATCH - 1)
                .noneSatisfy(s -> assertThat(s.getFrame().getFrameId()).isEqualTo(broken.getFrameId()));
        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        TestRecord<byte[], byte[]> letter = dead.get(0);
        assertThat(letter.key()).isEqualTo("car-1".getBytes(StandardCharsets.UTF_8));
        assertThat(letter.value()).isEqualTo(broken.toByteArray());
        assertThat(header(letter, DlqHeaders.REASON)).isEqualTo("unscorable-image");
        assertThat(header(letter, DlqHeaders.DETAIL)).contains(broken.getFrameId(), "9 bytes");
        assertThat(header(letter, DlqHeaders.EXCEPTION)).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(header(letter, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.FRAMES_VALID.name());
        assertThat(header(letter, DlqHeaders.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(letter, DlqHeaders.SOURCE_OFFSET)).isEqualTo("2");
        assertThat(metrics.framesSkipped()).isEqualTo(1);
        assertThat(metrics.framesWaiting()).isZero();
    }

    @Test
    void aModelThatFailsItsTrialPredictionIsRefusedAndFramesWaitForTheNextVersion(@TempDir Path dir) {
        // Regression: a model that loaded but could not predict was swapped in, and every batch then
        // threw out of the processor, restarting the stream thread on the same frames forever.
        ModelArtifact cannotRun = inputSizeMismatch(dir.resolve("v9"), "v9");
        publish(cannotRun, cannotRun.sha256());
        List<FrameEvent> sent = pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);

        assertThat(scored.isEmpty()).isTrue();
        assertThat(holder.currentVersion()).isEmpty();
        assertThat(metrics.modelLoadFailures()).isEqualTo(1);
        // Load itself runs one frame through the parameters now, so the mismatch is caught there.
        assertThat(metrics.lastModelLoadError()).contains("v9", "refused", "do not fit a 3x32x32 input");
        assertThat(metrics.framesWaiting()).isEqualTo(BATCH);

        publish(v1, v1.sha256());
        driver.advanceWallClockTime(DELAY);
        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
    }

    @Test
    void aModelWhoseBatchPredictionThrowsIsRetiredAndItsFramesWaitForTheNextVersion() {
        // Regression: a batch prediction that threw failed the task, and the replacement thread
        // scored the same buffered batch with the same model and failed again, forever.
        publish(v1, v1.sha256());
        pipeFrames("car-1", 1);
        driver.advanceWallClockTime(DELAY);
        assertThat(scored.readValuesToList()).hasSize(1);
        try (ModelHolder.Lease lease = holder.acquire().orElseThrow()) {
            lease.model().close(); // from now on every predict throws, as a broken native state would
        }

        List<FrameEvent> sent = pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);
        driver.advanceWallClockTime(Duration.ofMinutes(1));

        assertThat(scored.isEmpty()).isTrue();
        assertThat(metrics.batchFailures()).as("v1 retired after one failed batch, not retried").isEqualTo(1);
        assertThat(holder.currentVersion()).as("the refused v1 is not loaded again").isEmpty();
        assertThat(metrics.lastModelLoadError()).contains("v1", "cannot score frames", "trial input");
        assertThat(metrics.framesWaiting()).isEqualTo(BATCH);

        publish(v2, v2.sha256());
        driver.advanceWallClockTime(DELAY);
        List<ScoredFrame> out = scored.readValuesToList();
        assertThat(out).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
        assertThat(out).allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v2"));
    }

    @Test
    void anArtifactThatIsNotVisibleYetIsRetriedAfterABackoffNotRefused(@TempDir Path dir) throws IOException {
        // Regression: a missing file (a shared volume that has not shown the artifact yet) refused
        // the version for good, so the scorer never served it.
        Path late = dir.resolve("late-v1");
        updates.pipeInput(ModelSpec.DEFAULT_MODEL_NAME, update("v1", late.toUri().toString(), v1.sha256()));
        List<FrameEvent> sent = pipeFrames("car-1", BATCH);
        assertThat(metrics.modelLoadFailures()).isEqualTo(1);

        copyArtifact(v1.dir(), late);
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(scored.isEmpty()).as("no retry sooner than %s ms", ModelFollower.FIRST_RETRY_MS).isTrue();
        assertThat(metrics.modelLoadFailures()).isEqualTo(1);

        driver.advanceWallClockTime(Duration.ofMillis(ModelFollower.FIRST_RETRY_MS));
        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
        assertThat(holder.currentVersion()).isEqualTo("v1");
    }

    @Test
    void aBacklogIsScoredAFewBatchesPerFlushNotInOneTransaction() {
        // Regression: the first model after a long wait scored the whole backlog in one flush, which
        // under exactly-once is one transaction and could outlast transaction.timeout.ms.
        int backlog = BatchScoringProcessor.MAX_BATCHES_PER_FLUSH * BATCH * 2 + 3;
        List<FrameEvent> sent = pipeFrames("car-1", backlog);
        publish(v1, v1.sha256());

        driver.advanceWallClockTime(DELAY);
        // At most MAX_BATCHES_PER_FLUSH batches; fewer when the flush's time budget runs out first,
        // as it can on a loaded machine while the first batches also warm the model up.
        int firstFlush = scored.readValuesToList().size();
        assertThat(firstFlush).isPositive().isLessThanOrEqualTo(BatchScoringProcessor.MAX_BATCHES_PER_FLUSH * BATCH);
        assertThat(firstFlush % BATCH).as("whole batches").isZero();
        assertThat(metrics.framesWaiting()).isEqualTo(backlog - firstFlush);

        for (int flush = 0; flush < backlog / BATCH && metrics.framesWaiting() > 0; flush++) {
            driver.advanceWallClockTime(DELAY);
        }
        assertThat(metrics.framesScored()).isEqualTo(backlog);
        assertThat(metrics.framesWaiting()).isZero();
    }

    @Test
    void pastMaxBufferedFramesTheScorerWarnsOnceAMinuteAndKeepsEveryFrame() {
        restartDriver(new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, BATCH, DELAY, BATCH * 2)
                .withTimeLimits(UNHURRIED_BATCH, UNHURRIED_TRANSACTION));
        List<FrameEvent> sent = pipeFrames("car-1", BATCH * 2 + 5);
        assertThat(metrics.bufferLimitWarnings()).as("one warning, not one per frame").isEqualTo(1);

        driver.advanceWallClockTime(Duration.ofMinutes(1));
        pipeFrames("car-1", 1).forEach(sent::add);
        assertThat(metrics.bufferLimitWarnings()).isEqualTo(2);
        assertThat(metrics.framesWaiting()).isEqualTo(sent.size());

        publish(v1, v1.sha256());
        for (int i = 0; i < 3; i++) {
            driver.advanceWallClockTime(DELAY);
        }
        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
    }

    @Test
    void aRecordThatIsNotAFrameEventGoesToTheDlqWhenItsBatchIsScoredAndTheOthersAreScored() {
        publish(v1, v1.sha256());
        TestInputTopic<String, byte[]> raw = driver.createInputTopic(Topics.FRAMES_VALID.name(),
                Topics.FRAMES_VALID.keySerde().serializer(), new org.apache.kafka.common.serialization.ByteArraySerializer());
        byte[] garbage = {0x0a, (byte) 0xff, 0x01};
        raw.pipeInput("car-1", garbage);
        pipeFrames("car-1", BATCH - 1);
        driver.advanceWallClockTime(DELAY);

        assertThat(scored.readValuesToList()).hasSize(BATCH - 1);
        TestRecord<byte[], byte[]> letter = dlq.readRecord();
        assertThat(letter.value()).isEqualTo(garbage);
        assertThat(header(letter, DlqHeaders.REASON)).isEqualTo(BatchScoringProcessor.REASON_UNPARSEABLE_PROTOBUF);
        assertThat(header(letter, DlqHeaders.SOURCE_OFFSET)).isEqualTo("0");
    }

    @Test
    void everyScoredFrameCarriesDropoutSamplesSpreadNoveltyAndTheDevice() {
        publish(v1, v1.sha256());
        pipeFrames("car-1", BATCH);
        pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);

        List<ScoredFrame> out = scored.readValuesToList();
        assertThat(out).hasSize(2 * BATCH).allSatisfy(s -> {
            assertThat(s.getSamplesList()).hasSize(InferenceOptions.defaults().mcSamples())
                    .allSatisfy(sample -> assertThat(sample.getSceneProbabilitiesList()).hasSize(CLASSES.size()));
            assertThat(s.getSteeringSpread()).isPositive();
            assertThat(s.getAccelerationSpread()).isPositive();
            assertThat(s.getDevice()).isNotBlank();
        });
        assertThat(out.subList(0, BATCH)).as("the reference bank is empty for the first batch")
                .allSatisfy(s -> assertThat(s.getNovelty()).isZero());
        assertThat(out.subList(BATCH, 2 * BATCH)).allSatisfy(s -> assertThat(s.getNovelty()).isPositive());
    }

    @Test
    void anArtifactWhoseParametersHaveTheWrongShapeIsRefusedAndTheOldModelKeepsServing(@TempDir Path dir)
            throws IOException {
        publish(v1, v1.sha256());
        pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);
        scored.readValuesToList();

        copyArtifact(v2.dir(), dir.resolve("v3"));
        ModelManifest m = v2.manifest();
        ModelManifest wrongShape = new ModelManifest(m.modelName(), "v3", "v2", m.architecture(), m.inputWidth(),
                m.inputHeight(), m.inputChannels(), m.mean(), m.std(), m.sceneClasses(), 32, m.method(),
                m.paramsFile(), m.sha256(), m.metrics(), m.seed(), m.createdTimeMs());
        wrongShape.write(dir.resolve("v3"));
        publish(new ModelArtifact(dir.resolve("v3"), wrongShape, v2.sha256(), dir.resolve("v3").toUri()), v2.sha256());
        pipeFrames("car-1", BATCH);
        pipeFrames("car-1", BATCH);
        driver.advanceWallClockTime(DELAY);

        assertThat(scored.readValuesToList()).hasSize(2 * BATCH)
                .allSatisfy(s -> assertThat(s.getModelVersion()).isEqualTo("v1"));
        assertThat(holder.currentVersion()).isEqualTo("v1");
        assertThat(metrics.modelLoadFailures()).as("refused once, not retried every batch").isEqualTo(1);
        assertThat(metrics.lastModelLoadError()).contains("v3", "refused");
    }

    @Test
    void theBatchBufferIsChangelogged() {
        pipeFrames("car-1", 2);

        assertThat(driver.producedTopicNames())
                .contains(ScorerTopology.APPLICATION_ID + "-" + ScorerTopology.BATCH_BUFFER_STORE + "-changelog");
        assertThat(driver.getKeyValueStore(ScorerTopology.BATCH_BUFFER_STORE).approximateNumEntries())
                .isEqualTo(2);
    }

    private void publish(ModelArtifact artifact, String sha256) {
        updates.pipeInput(ModelSpec.DEFAULT_MODEL_NAME, update(artifact.manifest().version(),
                artifact.uri().toString(), sha256).toBuilder()
                .setParentVersion(artifact.manifest().parentVersion())
                .setCreatedTimeMs(artifact.manifest().createdTimeMs())
                .build());
    }

    private static ModelUpdate update(String version, String uri, String sha256) {
        return ModelUpdate.newBuilder()
                .setModelName(ModelSpec.DEFAULT_MODEL_NAME)
                .setVersion(version)
                .setArtifactUri(uri)
                .setArtifactSha256(sha256)
                .build();
    }

    /**
     * v1's parameters under a manifest that says 32×32 input: it loads (convolutions take any size
     * and the saved weights are kept) but every prediction fails, since the embedding layer was
     * trained on 64×64 feature maps.
     */
    private static ModelArtifact inputSizeMismatch(Path dir, String version) {
        try {
            copyArtifact(v1.dir(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelManifest m = v1.manifest();
        ModelManifest broken = new ModelManifest(m.modelName(), version, "", m.architecture(), 32, 32,
                m.inputChannels(), m.mean(), m.std(), m.sceneClasses(), m.embeddingSize(), m.method(), m.paramsFile(),
                m.sha256(), m.metrics(), m.seed(), m.createdTimeMs());
        broken.write(dir);
        return new ModelArtifact(dir, broken, v1.sha256(), dir.toUri());
    }

    static void copyArtifact(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private List<FrameEvent> pipeFrames(String vehicle, int count) {
        List<FrameEvent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FrameEvent frame = frame(vehicle, frameCounter++);
            frames.pipeInput(vehicle, frame);
            sent.add(frame);
        }
        return sent;
    }

    private static FrameEvent frame(String vehicle, long n) {
        byte[] pixels = new byte[64 * 64 * 3];
        new Random(n).nextBytes(pixels);
        return FrameEvent.newBuilder()
                .setFrameId(vehicle + "-" + n)
                .setVehicleId(vehicle)
                .setCaptureTimeMs(1_000_000 + n)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                        .setChannels(3).setData(ByteString.copyFrom(pixels)))
                .setHumanAction(DriverAction.newBuilder().setSteering(0.1f).setAcceleration(0.2f))
                .build();
    }
}
