package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.FramePredictor;
import io.gleaner.scorer.model.FrameScore;
import io.gleaner.scorer.model.InferenceOptions;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer stage with a real model whose predictor misbehaves on chosen frames (issue 8, faults
 * 3 and 8): poison frames go to the DLQ and the model keeps serving; NaN never reaches
 * {@code frames.scored}; a model that fails most frames is retired; a slow model gets small batches.
 */
class FaultyPredictorTopologyTest {
    private static final Duration DELAY = Duration.ofMillis(100);

    @TempDir
    static Path artifacts;
    private static ModelArtifact v1;

    @TempDir
    Path stateDir;
    private ModelHolder holder;
    private ScorerMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, FrameEvent> frames;
    private TestOutputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeAll
    static void saveModel() {
        try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(List.of("a", "b")), 1)) {
            v1 = model.save(artifacts.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
        }
    }

    private void start(ScorerConfig config, PredictorFactory predictors) {
        holder = new ModelHolder();
        metrics = new ScorerMetrics(holder);
        StreamsBuilder builder = new StreamsBuilder();
        ScorerTopology.build(builder, config, holder, metrics, predictors);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, ScorerTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        frames = driver.createInputTopic(Topics.FRAMES_VALID.name(), Topics.FRAMES_VALID.keySerde().serializer(),
                Topics.FRAMES_VALID.valueSerde().serializer());
        scored = driver.createOutputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().deserializer(), Topics.FRAMES_SCORED.valueSerde().deserializer());
        dlq = driver.createOutputTopic(Topics.FRAMES_DLQ.name(), Topics.FRAMES_DLQ.keySerde().deserializer(),
                Topics.FRAMES_DLQ.valueSerde().deserializer());
        TestInputTopic<String, ModelUpdate> updates = driver.createInputTopic(Topics.MODEL_UPDATES.name(),
                Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer());
        updates.pipeInput(ModelSpec.DEFAULT_MODEL_NAME, ModelUpdate.newBuilder().setModelName(ModelSpec.DEFAULT_MODEL_NAME)
                .setVersion("v1").setArtifactUri(v1.uri().toString()).setArtifactSha256(v1.sha256()).build());
    }

    @AfterEach
    void stop() {
        driver.close();
        holder.close();
    }

    /** Unhurried time limits, so that batch sizes here do not depend on the machine's load. */
    private static ScorerConfig config(int batch) {
        return new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, batch, DELAY)
                .withTimeLimits(Duration.ofSeconds(30), Duration.ofMinutes(10));
    }

    @Test
    void aFrameTheModelThrowsOnGoesToTheDlqAndTheRestOfItsBatchIsScoredByTheModelItKeeps() {
        // Regression: one frame that made the batch prediction throw retired the model and refused
        // its version, so no frame was scored any more until a new version was published.
        start(config(8), faulty(Set.of("car-1-3"), Set.of(), Duration.ZERO));

        List<FrameEvent> sent = pipeFrames(8);
        List<FrameEvent> more = pipeFrames(8);

        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(sent.get(3).toByteArray());
        assertThat(header(dead.get(0), DlqHeaders.REASON)).isEqualTo(BatchScoringProcessor.REASON_MODEL_FAILED);
        assertThat(header(dead.get(0), DlqHeaders.DETAIL)).contains("car-1-3", "injected");
        assertThat(header(dead.get(0), DlqHeaders.EXCEPTION)).isEqualTo(IllegalStateException.class.getName());
        List<FrameEvent> good = new ArrayList<>(sent);
        good.remove(3);
        good.addAll(more);
        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(good);
        assertThat(holder.currentVersion()).isEqualTo("v1");
        assertThat(metrics.batchFailures()).isEqualTo(1);
        assertThat(metrics.modelFailedFrames()).isEqualTo(1);
        assertThat(metrics.modelLoadFailures()).isZero();
        assertThat(metrics.framesWaiting()).isZero();
    }

    @Test
    void aFrameWithANaNOutputGoesToTheDlqAndNeverToFramesScored() {
        start(config(4), faulty(Set.of(), Set.of("car-1-1"), Duration.ZERO));

        List<FrameEvent> sent = pipeFrames(4);

        List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(sent.get(1).toByteArray());
        assertThat(header(dead.get(0), DlqHeaders.REASON)).isEqualTo(BatchScoringProcessor.REASON_NON_FINITE_OUTPUT);
        assertThat(header(dead.get(0), DlqHeaders.DETAIL)).contains("car-1-1", "steering = NaN");
        assertThat(dead.get(0).headers().lastHeader(DlqHeaders.EXCEPTION)).as("nothing was thrown").isNull();
        assertThat(scored.readValuesToList()).extracting(s -> s.getFrame().getFrameId())
                .containsExactly("car-1-0", "car-1-2", "car-1-3");
        assertThat(metrics.nonFiniteFrames()).isEqualTo(1);
        assertThat(metrics.batchFailures()).as("NaN needs no search").isZero();
        assertThat(holder.currentVersion()).isEqualTo("v1");
    }

    @Test
    void aModelThatThrowsOnMostFramesOfABatchIsRetiredAndTheBatchWaitsForTheNextVersion() {
        start(config(8), faulty(id -> !id.endsWith("-0"), id -> false, Duration.ZERO));

        pipeFrames(8);

        assertThat(dlq.isEmpty()).as("the model is blamed, not the frames").isTrue();
        assertThat(scored.isEmpty()).isTrue();
        assertThat(holder.currentVersion()).isEmpty();
        assertThat(metrics.framesWaiting()).isEqualTo(8);
        assertThat(metrics.lastModelLoadError()).contains("v1", "cannot score frames", "more than the 4");
    }

    @Test
    void aModelThatGivesNaNForMostRecentFramesIsRetiredAfterEnoughFramesToJudge() {
        start(config(4), faulty(id -> false, id -> true, Duration.ZERO));

        pipeFrames(BatchScoringProcessor.MIN_RECENT_FRAMES);

        int judged = BatchScoringProcessor.MIN_RECENT_FRAMES - 4;
        assertThat(dlq.readRecordsToList()).as("frames of the batches before it could be judged").hasSize(judged);
        assertThat(holder.currentVersion()).isEmpty();
        assertThat(metrics.framesWaiting()).as("the batch that tipped it stays buffered").isEqualTo(4);
        assertThat(metrics.lastModelLoadError()).contains("16/16 of the latest frames");
    }

    @Test
    void aSlowModelGetsBatchesThatFitTheTimeBudgetAndScoresEveryFrame() {
        ScorerConfig config = new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, 8, DELAY)
                .withTimeLimits(Duration.ofMillis(250), Duration.ofSeconds(10));
        start(config, faulty(Set.of(), Set.of(), Duration.ofMillis(200)));

        List<FrameEvent> sent = pipeFrames(8);
        for (int i = 0; i < 16 && metrics.framesWaiting() > 0; i++) {
            driver.advanceWallClockTime(DELAY);
        }

        assertThat(scored.readValuesToList()).extracting(ScoredFrame::getFrame).containsExactlyElementsOf(sent);
        // 200 ms per frame in 250 ms: 1 frame a batch (2 if the model's own time were 200 ms more).
        assertThat(metrics.batches()).isGreaterThanOrEqualTo(4);
        assertThat(Arrays.stream(metrics.recentBatchLatenciesMillis(16)).max().orElseThrow()).isLessThan(1_500);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private int frameCounter;

    private List<FrameEvent> pipeFrames(int count) {
        List<FrameEvent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long n = frameCounter++;
            byte[] pixels = new byte[64 * 64 * 3];
            new Random(n).nextBytes(pixels);
            FrameEvent frame = FrameEvent.newBuilder().setFrameId("car-1-" + n).setVehicleId("car-1")
                    .setCaptureTimeMs(1_000_000 + n)
                    .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64)
                            .setHeight(64).setChannels(3).setData(ByteString.copyFrom(pixels)))
                    .setHumanAction(DriverAction.newBuilder().setSteering(0.1f).setAcceleration(0.2f))
                    .build();
            frames.pipeInput("car-1", frame);
            sent.add(frame);
        }
        return sent;
    }

    private static PredictorFactory faulty(Set<String> throwOn, Set<String> nanFor, Duration delayPerFrame) {
        return faulty(throwOn::contains, nanFor::contains, delayPerFrame);
    }

    /** The model's real predictor, throwing on, or giving NaN steering for, the frames chosen by id. */
    private static PredictorFactory faulty(Predicate<String> throwOn, Predicate<String> nanFor,
            Duration delayPerFrame) {
        return (model, batchSize, options) -> new FramePredictor() {
            private final FramePredictor real = PredictorFactory.BATCH_PREDICTOR.predictor(model, batchSize, options);
            private final String[] ids = new String[batchSize];

            @Override
            public int batchSize() {
                return real.batchSize();
            }

            @Override
            public String device() {
                return real.device();
            }

            @Override
            public void decode(int slot, FrameEvent frame) {
                real.decode(slot, frame);
                ids[slot] = frame.getFrameId();
            }

            @Override
            public List<FrameScore> score(int count) {
                slow(count);
                for (int slot = 0; slot < count; slot++) {
                    if (throwOn.test(ids[slot])) {
                        throw new IllegalStateException("injected: the model fails on " + ids[slot]);
                    }
                }
                List<FrameScore> out = new ArrayList<>(real.score(count));
                for (int slot = 0; slot < count; slot++) {
                    if (nanFor.test(ids[slot])) {
                        FrameScore s = out.get(slot);
                        out.set(slot, new FrameScore(s.sceneProbabilities(), Float.NaN, s.acceleration(),
                                s.steeringSpread(), s.accelerationSpread(), s.sampleProbabilities(),
                                s.sampleSteering(), s.sampleAcceleration(), s.embedding(), s.novelty()));
                    }
                }
                return out;
            }

            @Override
            public List<FrameScore> trial(int count) {
                slow(count);
                Arrays.fill(ids, 0, count, "trial");
                return real.trial(count);
            }

            private void slow(int frames) {
                // The injected fault is the time itself: a model this slow, not a wait for something.
                try {
                    TimeUnit.MILLISECONDS.sleep(delayPerFrame.toMillis() * frames);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
