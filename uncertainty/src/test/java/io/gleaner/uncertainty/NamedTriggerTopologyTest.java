package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named triggers in the running stage: threshold and top-rate rules, and a restart that keeps the estimate. */
class NamedTriggerTopologyTest {
    /** The largest action distance, from (-1, -1) to (1, 1). */
    private static final double DIAMETER = 2 * Math.sqrt(2);
    private static final TriggerConfig NOVEL = new TriggerConfig("novel", TriggerFunction.NOVELTY,
            new TriggerRule.Threshold(0.5), 2.0);
    private static final TriggerConfig TOP_DISAGREEMENT = new TriggerConfig("disagreement-top",
            TriggerFunction.ACTION_DISAGREEMENT, new TriggerRule.TopRate(0.05, 20));

    @TempDir
    Path stateDir;
    @TempDir
    Path keptDir;

    private final SelectionMetrics metrics = new SelectionMetrics();
    private TopologyTestDriver driver;
    private TestInputTopic<String, ScoredFrame> scored;
    private TestOutputTopic<String, EdgeCase> edgeCases;

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aThresholdTriggerHarvestsExactlyTheFramesAtOrAboveItsThreshold() {
        start(stateDir, List.of(NOVEL));
        for (int i = 0; i < 10; i++) {
            scored.pipeInput("v-1", frame("f-" + i, 0f, i == 3 || i == 7 ? 0.75f : 0.1f));
        }
        scored.pipeInput("v-1", frame("f-at", 0f, 0.5f));

        Map<String, EdgeCase> harvested = edgeCases.readKeyValuesToMap();
        assertThat(harvested).containsOnlyKeys("f-3", "f-7", "f-at");
        EdgeCase edgeCase = harvested.get("f-3");
        assertThat(edgeCase.getTriggersList()).extracting(Trigger::getName, Trigger::getScore, Trigger::getThreshold)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("novel", 0.75, 0.5));
        // priority = max(combined score 0.3·H(0.98, 0.01, 0.01)/ln 3 + 0.7·0 ≈ 0.03, weight 2 · 0.75)
        assertThat(edgeCase.getPriority()).isEqualTo(1.5);
        assertThat(metrics.firedByTrigger()).containsExactly(Map.entry("novel", 3L));
    }

    @Test
    void aTopRateTriggerFiresOnAboutItsRateAboveTheEstimatedQuantile() {
        start(stateDir, List.of(TOP_DISAGREEMENT));
        Random random = new Random(5);
        int frames = 2000;
        for (int i = 0; i < frames; i++) {
            scored.pipeInput("v-1", frame("f-" + i, (float) (random.nextDouble() * 2 - 1), 0f));
        }

        List<EdgeCase> harvested = edgeCases.readValuesToList();
        // the top 5% of the 1980 frames after the 20 of warm-up: 99 expected
        assertThat(harvested).hasSizeBetween(80, 120);
        for (EdgeCase edgeCase : harvested) {
            Trigger trigger = edgeCase.getTriggers(0);
            assertThat(trigger.getName()).isEqualTo("disagreement-top");
            assertThat(trigger.getScore()).isGreaterThan(trigger.getThreshold());
            assertThat(edgeCase.getPriority()).isEqualTo(trigger.getScore());
        }
        // disagreement = |steering| / 2√2 with steering uniform in [-1, 1]: its 0.95 quantile is 0.95 / 2√2
        Trigger last = harvested.get(harvested.size() - 1).getTriggers(0);
        assertThat(last.getThreshold()).isCloseTo(0.95 / DIAMETER, within(0.01));
        KeyValueStore<String, byte[]> quantiles = driver.getKeyValueStore(SelectionTopology.QUANTILE_STORE);
        assertThat(WarmStartQuantile.fromBytes(quantiles.get("disagreement-top"), 200).count()).isEqualTo(frames);
        assertThat(metrics.firedByTrigger()).containsEntry("disagreement-top", (long) harvested.size());
    }

    @Test
    void theQuantileEstimateIsChangeloggedUnderTheTriggersName() {
        start(stateDir, List.of(TOP_DISAGREEMENT));
        for (int i = 0; i < 7; i++) {
            scored.pipeInput("v-1", frame("f-" + i, 0.1f * i, 0f));
        }
        List<KeyValue<String, byte[]>> logged = driver.createOutputTopic(
                SelectionTopology.APPLICATION_ID + "-" + SelectionTopology.QUANTILE_STORE + "-changelog",
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer()).readKeyValuesToList();
        assertThat(logged).hasSize(7).allMatch(entry -> entry.key.equals("disagreement-top"));
        assertThat(WarmStartQuantile.fromBytes(logged.get(6).value, 200).count()).isEqualTo(7);
    }

    @Test
    void aRestartedStageFiresAtTheThresholdItHadReachedWithoutWarmingUpAgain() throws IOException {
        start(stateDir, List.of(TOP_DISAGREEMENT));
        Random random = new Random(9);
        for (int i = 0; i < 500; i++) {
            scored.pipeInput("v-1", frame("f-" + i, (float) (random.nextDouble() * 2 - 1), 0f));
        }
        byte[] before = driver.<String, byte[]>getKeyValueStore(SelectionTopology.QUANTILE_STORE).get("disagreement-top");
        double threshold = WarmStartQuantile.fromBytes(before, 200).estimate();
        restartKeepingState();

        start(stateDir, List.of(TOP_DISAGREEMENT));
        byte[] after = driver.<String, byte[]>getKeyValueStore(SelectionTopology.QUANTILE_STORE).get("disagreement-top");
        assertThat(after).isEqualTo(before);
        // steering 1 against a predicted 0 scores 1 / 2√2 ≈ 0.354, above the restored 95% estimate (≈ 0.336): a cold
        // trigger would still be warming up (0 of 20 scores) and let it pass
        scored.pipeInput("v-1", frame("f-after-restart", 1f, 0f));
        EdgeCase edgeCase = edgeCases.readValue();
        assertThat(edgeCase.getScored().getFrame().getFrameId()).isEqualTo("f-after-restart");
        assertThat(edgeCase.getTriggers(0).getThreshold()).isEqualTo(threshold);
        assertThat(edgeCase.getTriggers(0).getScore()).isCloseTo(1 / DIAMETER, within(1e-7));
    }

    @Test
    void aFreshStateDirectoryStartsTheEstimateCold() {
        start(stateDir, List.of(TOP_DISAGREEMENT));
        scored.pipeInput("v-1", frame("f-first", 1f, 0f));
        assertThat(edgeCases.isEmpty()).isTrue();
    }

    @Test
    void framesWithANegativeSpreadOrANonFiniteNoveltyOrEmbeddingGoToTheDlq() {
        start(stateDir, List.of(TOP_DISAGREEMENT));
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.FRAMES_DLQ.name(),
                Topics.FRAMES_DLQ.keySerde().deserializer(), Topics.FRAMES_DLQ.valueSerde().deserializer());
        scored.pipeInput("v-1", frame("f-bad", 0f, 0f).toBuilder().setSteeringSpread(-0.1f).build());
        scored.pipeInput("v-1", frame("f-nan", 0f, Float.NaN));
        scored.pipeInput("v-1", embedded("f-inf", 1f, Float.POSITIVE_INFINITY));

        assertThat(dlq.readRecordsToList()).extracting(r -> new String(
                        r.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8))
                .containsExactly(MalformedReason.INVALID_SPREAD.code(), MalformedReason.INVALID_NOVELTY.code(),
                        MalformedReason.INVALID_EMBEDDING.code());
        assertThat(metrics.framesSeen()).isZero();
    }

    @Test
    void anEmbeddingNoveltyTriggerFiresOnAFrameUnlikeTheLastOnesAndKeepsItsReferenceAcrossARestart() throws IOException {
        List<TriggerConfig> unlike = List.of(TriggerConfig.parse("unlike=embedding-novelty,threshold=0.5"));
        start(stateDir, unlike);
        for (int i = 0; i < 5; i++) {
            scored.pipeInput("v-1", embedded("f-" + i, 1f, 0f));
        }
        assertThat(edgeCases.isEmpty()).isTrue();
        restartKeepingState();
        start(stateDir, unlike);

        // (0, 1) against the five restored (1, 0): its 5th nearest is at distance 1; a cold set would have none
        scored.pipeInput("v-1", embedded("f-unlike", 0f, 1f));
        EdgeCase edgeCase = edgeCases.readValue();
        assertThat(edgeCase.getScored().getFrame().getFrameId()).isEqualTo("f-unlike");
        assertThat(edgeCase.getTriggersList()).extracting(Trigger::getName, Trigger::getScore, Trigger::getThreshold)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("unlike", 1.0, 0.5));
    }

    /**
     * Stops the driver but keeps its state directory. The driver deletes the directory on close, which
     * a stopping instance never does: close the stores as a stopping instance does (RocksDB writes its
     * memtables to disk), keep the directory as it is then, and put it back in the same place.
     */
    private void restartKeepingState() throws IOException {
        driver.getAllStateStores().values().forEach(org.apache.kafka.streams.processor.StateStore::close);
        Path kept = keptDir.resolve("state");
        copyTree(stateDir, kept);
        driver.close();
        driver = null;
        copyTree(kept, stateDir);
    }

    private static ScoredFrame embedded(String frameId, float... embedding) {
        ScoredFrame.Builder frame = frame(frameId, 0f, 0f).toBuilder();
        for (float x : embedding) {
            frame.addEmbedding(x);
        }
        return frame.build();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals("LOCK")) {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private void start(Path dir, List<TriggerConfig> triggers) {
        // a window that never fills in these tests, so only the named triggers harvest
        SelectionConfig config = new SelectionConfig(0.10, 10_000, 0.3, 0.7, 10_000).withTriggers(triggers);
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, config, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, SelectionTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(1_000_000L));
        scored = driver.createInputTopic(Topics.FRAMES_SCORED.name(),
                Topics.FRAMES_SCORED.keySerde().serializer(), Topics.FRAMES_SCORED.valueSerde().serializer());
        edgeCases = driver.createOutputTopic(Topics.EDGE_CASES.name(),
                Topics.EDGE_CASES.keySerde().deserializer(), Topics.EDGE_CASES.valueSerde().deserializer());
    }

    /** A frame whose prediction is (0, 0) and whose driver steered {@code humanSteer}, with the scorer's novelty. */
    static ScoredFrame frame(String frameId, float humanSteer, float novelty) {
        return ScoredFrame.newBuilder()
                .setFrame(FrameEvent.newBuilder()
                        .setFrameId(frameId)
                        .setVehicleId("v-1")
                        .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW)
                                .setWidth(2).setHeight(1).setChannels(1).setData(ByteString.copyFrom(new byte[] {1, 2})))
                        .setHumanAction(DriverAction.newBuilder().setSteering(humanSteer).setAcceleration(0f)))
                .setModelVersion("m-1")
                .addAllSceneClasses(List.of("clear_road", "pedestrian_crossing", "stopped_vehicle"))
                .addAllSceneProbabilities(List.of(0.98f, 0.01f, 0.01f))
                .setPredictedAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0f))
                .setNovelty(novelty)
                .build();
    }
}
