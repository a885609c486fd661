package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerConfig;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, Scorer stage: "a frame taken into a batch and not yet scored must be scored after
 * restart". The real scorer stage under exactly-once on a real broker takes frames in while no model
 * is published, so they wait in its batch buffer after their input offsets are committed; the
 * stage stops and comes back with its local state gone, so the buffer can only come back from its
 * changelog; then a model is published, and every frame is scored exactly once.
 *
 * <p>Other tests share the broker and the topics, so this run has its own application id, model
 * name and frame ids, and starts its consumer group at the end of {@code frames.valid}.
 */
@ExtendWith(GleanerInfrastructure.class)
class ScorerRestartIT {
    private static final int FRAMES = 10;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void framesBufferedBeforeARestartAreRestoredFromTheChangelogAndScoredOnce(Infrastructure infrastructure,
            @TempDir Path dir) throws Exception {
        String bootstrap = infrastructure.kafkaBootstrapServers();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        String run = "scorer-restart-it-" + UUID.randomUUID().toString().substring(0, 8);
        String applicationId = ScorerTopology.APPLICATION_ID + "-" + run;
        ScorerConfig config = new ScorerConfig(run, 4, Duration.ofMillis(100));
        List<FrameEvent> frames = new FleetSimulator(SimulatorConfig.defaults()).next(FRAMES).stream()
                .map(f -> f.event().toBuilder().setFrameId(run + "-" + f.event().getFrameId()).build()).toList();

        long startOffset;
        try (GroupOffsets offsets = new GroupOffsets(bootstrap)) {
            startOffset = offsets.startAtEnd(applicationId, Topics.FRAMES_VALID.name());
            try (ModelHolder holder = new ModelHolder();
                 StreamsStage stage = start(applicationId, bootstrap, dir.resolve("state-before"), config, holder,
                         new ScorerMetrics(holder));
                 Producer<String, FrameEvent> producer = TestProducers.to(Topics.FRAMES_VALID, bootstrap)) {
                for (FrameEvent frame : frames) {
                    producer.send(new ProducerRecord<>(Topics.FRAMES_VALID.name(),
                            frame.getVehicleId(), frame));
                }
                producer.flush();
                await("the frames' input offsets committed while they wait for a model").atMost(START_TIMEOUT)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> offsets.committed(applicationId, Topics.FRAMES_VALID.name()) >= startOffset + FRAMES);
            }
        }

        ModelArtifact artifact;
        try (DrivingModel model = DrivingModel.create(new ModelSpec(run, 64, 64, List.of("a", "b"), 16), 3)) {
            artifact = model.save(dir.resolve("model"), "v1", "", DrivingModel.METHOD_RANDOM_INIT, Map.of());
        }
        try (ModelHolder holder = new ModelHolder()) {
            ScorerMetrics metrics = new ScorerMetrics(holder);
            // A new state folder: the buffer can only come back from its changelog.
            try (StreamsStage stage = start(applicationId, bootstrap, dir.resolve("state-after"), config, holder,
                    metrics);
                 Producer<String, ModelUpdate> producer = TestProducers.to(Topics.MODEL_UPDATES, bootstrap)) {
                await("the restored buffer").atMost(START_TIMEOUT).until(() -> metrics.framesWaiting() == FRAMES);
                producer.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(), run,
                        ModelUpdate.newBuilder().setModelName(run).setVersion("v1")
                                .setArtifactUri(artifact.uri().toString()).setArtifactSha256(artifact.sha256()).build()));
                producer.flush();
                await("every buffered frame scored").atMost(START_TIMEOUT).until(() -> metrics.framesScored() == FRAMES);
                await("the scores committed").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(500))
                        .until(() -> scoredByThisRun(bootstrap, run).size() >= FRAMES);
            }
        }
        List<ScoredFrame> scored = scoredByThisRun(bootstrap, run);
        assertThat(scored).extracting(s -> s.getFrame().getFrameId()).as("each frame once")
                .containsExactlyInAnyOrderElementsOf(frames.stream().map(FrameEvent::getFrameId).toList());
        assertThat(scored).allSatisfy(s -> {
            assertThat(s.getModelVersion()).isEqualTo("v1");
            assertThat(s.getDevice()).isNotBlank();
        });
    }

    private static List<ScoredFrame> scoredByThisRun(String bootstrap, String run) {
        return TopicReader.readAll(bootstrap, Topics.FRAMES_SCORED).stream().map(ConsumerRecord::value)
                .filter(s -> s.getFrame().getFrameId().startsWith(run)).toList();
    }

    private static StreamsStage start(String applicationId, String bootstrap, Path stateRoot, ScorerConfig config,
            ModelHolder holder, ScorerMetrics metrics) throws InterruptedException {
        Properties props = StreamsStage.properties(applicationId, bootstrap, stateRoot, true);
        return StreamsStage.start(applicationId, props, b -> ScorerTopology.build(b, config, holder, metrics),
                START_TIMEOUT);
    }
}
