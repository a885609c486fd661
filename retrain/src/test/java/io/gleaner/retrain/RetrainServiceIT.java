package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gleaner.queue.Label;
import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelManifest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
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
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
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

    private RetrainConfig config(int minNewLabels, TrainingConfig fineTune) {
        return RetrainConfig.defaults()
                .withModelsDir(modelsDir)
                .withMinNewLabels(minNewLabels)
                .withFineTune(fineTune);
    }

    private RetrainService service(int minNewLabels, TrainingConfig fineTune) {
        return new RetrainService(dataSource, queue, registry, new ModelPublisher(producer),
                config(minNewLabels, fineTune));
    }

    /** Adam at learning rate 1 ruins the model in one epoch: the quickest run that ends in a decision. */
    private static final TrainingConfig QUICK = new TrainingConfig(1, 8, 1f, 23L, 5, 1f);

    /**
     * A producer whose chosen sends (0 = the first) fail as a broker outage would. A mock is fine
     * here: what is under test is what the service does when an announcement fails, not the broker.
     */
    private static final class FailingSends extends MockProducer<String, ModelUpdate> {
        private final Set<Integer> failing;
        private int sends;

        FailingSends(Integer... failing) {
            super(true, null, Topics.MODEL_UPDATES.keySerde().serializer(),
                    Topics.MODEL_UPDATES.valueSerde().serializer());
            this.failing = Set.of(failing);
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, ModelUpdate> record) {
            return send(record, null);
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, ModelUpdate> record, Callback callback) {
            if (failing.contains(sends++)) {
                return CompletableFuture.failedFuture(new TimeoutException("injected: broker unreachable"));
            }
            return super.send(record, callback);
        }
    }

    /** Puts one frame in the queue and labels it with {@code label}, whatever that says. */
    private void labelAs(FrameEvent frame, Label label) {
        store.insert(DrivingScenes.edgeCase(frame, 0.5));
        List<Task> claimed = queue.claim("alice", 1, Duration.ofMinutes(5));
        assertThat(claimed).singleElement().extracting(Task::frameId).isEqualTo(frame.getFrameId());
        queue.submitLabel(claimed.get(0).taskId(), "alice", label);
    }

    private String lastDetail() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT detail FROM retrain_runs ORDER BY run_id DESC LIMIT 1");
                ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
        }
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
        assertThat(run.labelsUsed()).isEqualTo(HeldOutSplit.of(queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE), 5).training().size());
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

    /** Regression: a seed promoted but never announced stayed unannounced forever after a restart. */
    @Test
    void aBootstrapWhoseAnnouncementFailedIsAnnouncedAfterARestart() {
        FailingSends failing = new FailingSends(0);
        RetrainConfig config = config(20, QUICK);
        RetrainService first = new RetrainService(dataSource, queue, registry, new ModelPublisher(failing,
                Duration.ofSeconds(5)), config);
        List<FrameEvent> frames = DrivingScenes.frames("seed", 64, 3L, true);
        try (DrivingModel seed = SeedTrainer.train(DrivingScenes.spec(), frames, SEED_TRAINING)) {
            assertThatThrownBy(() -> first.bootstrap(seed)).isInstanceOf(PublishException.class);
        }
        assertThat(registry.liveVersion()).as("promoted before the announcement failed").contains(1);
        assertThat(failing.history()).isEmpty();

        // The restarted role: the app skips bootstrap when a version is live and goes straight to runIfDue.
        RetrainService restarted = new RetrainService(dataSource, queue, registry, new ModelPublisher(failing), config);
        assertThat(restarted.runIfDue()).isEmpty();

        assertThat(failing.history()).singleElement().satisfies(announced -> {
            assertThat(announced.key()).isEqualTo(MODEL);
            assertThat(announced.value().getVersion()).isEqualTo("1");
            assertThat(announced.value().getArtifactSha256()).isEqualTo(registry.live().orElseThrow().artifactSha256());
            assertThat(announced.value().getArtifactUri())
                    .isEqualTo(registry.live().orElseThrow().artifactUri().toString());
        });
        assertThat(restarted.runIfDue()).isEmpty();
        assertThat(failing.history()).as("announced once per instance, not on every poll").hasSize(1);
        try (DrivingModel other = DrivingModel.create(DrivingScenes.spec(), 1L)) {
            assertThat(new RetrainService(dataSource, queue, registry, new ModelPublisher(failing), config)
                    .bootstrap(other)).isEmpty();
        }
        assertThat(failing.history()).as("bootstrap on a live version announces it too").hasSize(2);
    }

    /** Regression: a promotion whose announcement failed was recorded without its candidate and never announced. */
    @Test
    void aPromotionWhoseAnnouncementFailedIsRecordedWithItsCandidateAndAnnouncedByTheNextRun() throws SQLException {
        FailingSends failing = new FailingSends(1);
        RetrainService service = new RetrainService(dataSource, queue, registry, new ModelPublisher(failing,
                Duration.ofSeconds(5)), config(20, new TrainingConfig(6, 16, 3e-3f, 23L, 5, 1f)));
        bootstrap(service, false);
        label("many", 48, 7L);

        assertThatThrownBy(service::runIfDue).isInstanceOf(PublishException.class);

        assertThat(registry.liveVersion()).contains(2);
        assertThat(runs()).singleElement().asString().startsWith("failed|48 new labels >= 20|48|v2|finished=true");
        assertThat(failing.history()).extracting(r -> r.value().getVersion()).containsExactly("1");

        service.runIfDue();

        assertThat(failing.history()).extracting(r -> r.value().getVersion()).startsWith("1", "2");
    }

    /** Regression: one label with a scene no model knows failed every run, since failed runs never advance. */
    @Test
    void aLabelWithAnUnknownSceneIsSkippedAndTheRunSaysSo() throws SQLException {
        RetrainService service = service(20, QUICK);
        bootstrap(service, true);
        label("many", 48, 7L);
        String trainedFrame = IntStream.range(0, 100).mapToObj(i -> "fog-" + i)
                .filter(id -> !HeldOutSplit.isHeldOut(id, QUICK.heldOutEvery()))
                .findFirst().orElseThrow();
        labelAs(DrivingScenes.frame(trainedFrame, DrivingScenes.rawImage(0.5f, new Random(1)), 0f, 0f),
                new Label("fog", 0f, 0f));
        int trainingLabels = HeldOutSplit.of(queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE), 5).training().size();

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(run.outcome()).isNotEqualTo(RetrainOutcome.FAILED);
        assertThat(run.labelsUsed()).isEqualTo(trainingLabels - 1);
        assertThat(run.reason()).contains("skipped 1 labels").contains("'fog'");
        assertThat(lastDetail()).contains("skipped 1 labels");
        assertThat(runs()).singleElement().asString().contains("|49|v2|finished=true");
    }

    /** Regression: with too few held-out labels the gate judged candidates on their own training labels. */
    @Test
    void doesNotRunUntilEnoughLabelsAreHeldOut() throws SQLException {
        RetrainService service = service(5, QUICK);
        bootstrap(service, true);
        label("few", 8, 5L);
        assertThat(HeldOutSplit.of(queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE), 5).heldOut())
                .hasSizeLessThan(EvaluationGate.defaults().minHeldOut());

        assertThat(service.runIfDue()).isEmpty();
        assertThat(runs()).isEmpty();

        label("more", 40, 6L);
        assertThat(service.runIfDue()).isPresent();
        assertThat(runs()).singleElement().asString().contains("48 new labels >= 5");
    }

    @Test
    void aRunUsesOnlyTheMostRecentLabelsReadInPages() throws SQLException {
        RetrainService service = new RetrainService(dataSource, queue, registry, new ModelPublisher(producer),
                config(20, QUICK).withMaxTrainingLabels(30), List.of(), List.of(), 7);
        bootstrap(service, true);
        label("many", 48, 7L);
        List<LabeledExample> all = queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE);
        List<LabeledExample> recent = all.subList(all.size() - 30, all.size());

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(run.labelsUsed()).isEqualTo(HeldOutSplit.of(recent, 5).training().size())
                .isLessThan(HeldOutSplit.of(all, 5).training().size());
        assertThat(runs()).singleElement().asString().contains("|48|v2|");
    }

    /** Regression: when recording a failed run failed too, that second error hid why the run failed. */
    @Test
    void aFailureToRecordTheEndOfARunDoesNotHideWhyTheRunFailed() throws Exception {
        DataSource endsFail = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(method, dataSource, args);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    Connection connection = (Connection) result;
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("prepareStatement")
                                        && ((String) a[0]).startsWith("UPDATE retrain_runs SET outcome = CAST(")) {
                                    throw new SQLException("injected: connection lost", "08006");
                                }
                                return invoke(m, connection, a);
                            });
                });
        RetrainConfig config = config(20, QUICK);
        bootstrap(service(20, QUICK), true);
        label("many", 48, 7L);
        RegisteredModel live = registry.live().orElseThrow();
        Path liveDir = Path.of(live.artifactUri());
        Files.write(liveDir.resolve(ModelManifest.read(liveDir).paramsFile()), new byte[] {1, 2, 3});
        RetrainService service = new RetrainService(endsFail, queue, registry, new ModelPublisher(producer), config);

        Throwable thrown = catchThrowable(service::runIfDue);

        assertThat(thrown).isNotNull().isNotInstanceOf(RegistryException.class);
        assertThat(thrown.getSuppressed()).singleElement()
                .isInstanceOf(RegistryException.class)
                .satisfies(s -> assertThat(s.getMessage()).contains("record the end of retrain run"));
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
