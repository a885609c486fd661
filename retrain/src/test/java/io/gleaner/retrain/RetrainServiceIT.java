package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.queue.Label;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrain loop against a real PostgreSQL, a real labeling queue and real (tiny) models.
 *
 * <p>The publisher writes to a {@link MockProducer}: this test is about when runs happen, what the
 * gate decides and what the registry and {@code retrain_runs} record, not about the broker, and no
 * broker runs in this module's tests. The it-tests module covers publishing to a real broker.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class RetrainServiceIT {
    private static final String MODEL = DrivingScenes.spec().modelName();
    private static final TrainingConfig SEED_TRAINING = new TrainingConfig(6, 16, 3e-3f, 17L, 5, 1f);

    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;
    private ModelRegistry registry;
    private MockProducer<String, ModelUpdate> producer;
    @TempDir
    Path modelsDir;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        this.store = new TaskStore(dataSource);
        this.queue = new TaskQueue(dataSource);
        this.registry = new ModelRegistry(dataSource, MODEL);
        this.producer = new MockProducer<>(true, null, Topics.MODEL_UPDATES.keySerde().serializer(),
                Topics.MODEL_UPDATES.valueSerde().serializer());
        queue.ensureLabeler("alice", "labeler");
    }

    private RetrainService service(int minNewLabels, TrainingConfig fineTune) {
        RetrainConfig config = RetrainConfig.defaults()
                .withModelsDir(modelsDir)
                .withMinNewLabels(minNewLabels)
                .withFineTune(fineTune);
        return new RetrainService(dataSource, queue, registry, new ModelPublisher(producer), config);
    }

    /** Trains a seed on frames whose human did the right thing, or its mirror image, and bootstraps it. */
    private void bootstrap(RetrainService service, boolean humanIsRight) {
        List<FrameEvent> frames = DrivingScenes.frames("seed", 64, 3L, humanIsRight);
        try (DrivingModel seed = SeedTrainer.train(DrivingScenes.spec(), frames, SEED_TRAINING)) {
            assertThat(service.bootstrap(seed)).isPresent();
        }
    }

    /** Puts {@code n} frames in the queue and labels each with its correct scene and action. */
    private void label(String prefix, int n, long seed) {
        List<FrameEvent> frames = DrivingScenes.frames(prefix, n, seed, true);
        Map<String, Label> correct = new HashMap<>();
        for (int i = 0; i < n; i++) {
            FrameEvent frame = frames.get(i);
            float b = DrivingScenes.brightness(i, n);
            correct.put(frame.getFrameId(),
                    new Label(DrivingScenes.scene(b), DrivingScenes.steering(b), DrivingScenes.acceleration(b)));
            store.insert(DrivingScenes.edgeCase(frame, 1.0 - (double) i / n));
        }
        for (Task task : queue.claim("alice", n, Duration.ofMinutes(5))) {
            queue.submitLabel(task.taskId(), "alice", correct.get(task.frameId()));
        }
    }

    private List<String> runs() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT outcome::text, reason, max_label_id, candidate_version, finished_at IS NOT NULL"
                                + " FROM retrain_runs ORDER BY run_id");
                ResultSet rows = statement.executeQuery()) {
            List<String> runs = new ArrayList<>();
            while (rows.next()) {
                runs.add(rows.getString(1) + "|" + rows.getString(2) + "|" + rows.getLong(3) + "|v" + rows.getInt(4)
                        + "|finished=" + rows.getBoolean(5));
            }
            return runs;
        }
    }

    @Test
    void bootstrapMakesTheSeedVersionOneLiveAndAnnouncesIt() {
        RetrainService service = service(20, TrainingConfig.fineTuneDefaults().withEpochs(1));

        bootstrap(service, true);

        assertThat(registry.liveVersion()).contains(1);
        assertThat(producer.history()).hasSize(1);
        ProducerRecord<String, ModelUpdate> announced = producer.history().get(0);
        assertThat(announced.topic()).isEqualTo(Topics.MODEL_UPDATES.name());
        assertThat(announced.key()).isEqualTo(MODEL);
        assertThat(announced.value().getVersion()).isEqualTo("1");
        assertThat(announced.value().getArtifactSha256()).isEqualTo(registry.live().orElseThrow().artifactSha256());
        assertThat(Path.of(URI.create(announced.value().getArtifactUri())))
                .isEqualTo(modelsDir.resolve(MODEL).resolve("v1").toAbsolutePath());
        try (DrivingModel other = DrivingModel.create(DrivingScenes.spec(), 1L)) {
            assertThat(service.bootstrap(other)).isEmpty();
        }
    }

    @Test
    void doesNotRunUntilEnoughNewLabelsHaveArrived() throws SQLException {
        RetrainService service = service(20, TrainingConfig.fineTuneDefaults().withEpochs(1));
        bootstrap(service, true);
        label("few", 12, 5L);

        assertThat(service.runIfDue()).isEmpty();

        assertThat(runs()).isEmpty();
        assertThat(registry.nextVersion()).isEqualTo(2);
    }

    @Test
    void aCandidateThatBeatsTheLiveModelIsPromotedAndAnnounced() throws SQLException {
        RetrainService service = service(20, new TrainingConfig(6, 16, 3e-3f, 23L, 5, 1f));
        // The seed copied a driver who always did the opposite of the right thing.
        bootstrap(service, false);
        label("many", 48, 7L);

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(run.outcome()).as(run.reason()).isEqualTo(RetrainOutcome.PROMOTED);
        assertThat(run.baseVersion()).isEqualTo(1);
        assertThat(run.candidateVersion()).isEqualTo(2);
        assertThat(run.labelsUsed()).isEqualTo(HeldOutSplit.of(queue.labeledAfter(0), 5).training().size());
        assertThat(run.reason()).contains("held-out labels");
        assertThat(registry.liveVersion()).contains(2);
        assertThat(registry.find(1).orElseThrow().state()).isEqualTo("retired");
        assertThat(registry.live().orElseThrow().metrics()).containsKey(EvaluationGate.ACTION_MAE);
        assertThat(producer.history()).hasSize(2);
        assertThat(producer.history().get(1).value().getVersion()).isEqualTo("2");
        assertThat(producer.history().get(1).value().getParentVersion()).isEqualTo("1");
        assertThat(runs()).containsExactly("promoted|48 new labels >= 20|48|v2|finished=true");

        assertThat(service.runIfDue()).as("no labels arrived since the run").isEmpty();
        assertThat(runs()).hasSize(1);
    }

    @Test
    void aCandidateWorseThanTheLiveModelIsRejectedAndNeverAnnounced() throws SQLException {
        // Adam at learning rate 1 throws the weights far off: the fine-tune ruins a good model.
        RetrainService service = service(20, new TrainingConfig(1, 8, 1f, 23L, 5, 1f));
        bootstrap(service, true);
        label("many", 48, 7L);

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(run.outcome()).as(run.reason()).isEqualTo(RetrainOutcome.REJECTED);
        assertThat(run.reason()).contains("is worse than");
        assertThat(registry.liveVersion()).contains(1);
        assertThat(registry.find(2).orElseThrow().state()).isEqualTo("rejected");
        assertThat(producer.history()).hasSize(1);
        assertThat(runs()).containsExactly("rejected|48 new labels >= 20|48|v2|finished=true");
    }
}
