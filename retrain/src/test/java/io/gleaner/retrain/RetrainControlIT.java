package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retraining control plane on a real PostgreSQL: one run at a time across instances (the
 * advisory lock), which trigger started a run, admin requests, and the lineage written with each
 * candidate. Publishing goes to a {@link MockProducer}, as in {@link RetrainServiceIT}.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class RetrainControlIT {
    private static final String MODEL = DrivingScenes.spec().modelName();
    private static final TrainingConfig SEED_TRAINING = new TrainingConfig(6, 16, 3e-3f, 17L, 5, 1f);
    /** Adam at learning rate 1 ruins the model in one epoch: the quickest run that ends in a decision. */
    private static final TrainingConfig QUICK = new TrainingConfig(1, 8, 1f, 23L, 5, 1f);

    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;
    private ModelRegistry registry;
    @TempDir
    Path modelsDir;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        this.store = new TaskStore(dataSource);
        this.queue = new TaskQueue(dataSource);
        this.registry = new ModelRegistry(dataSource, MODEL);
        queue.ensureLabeler("alice", "labeler");
        queue.ensureLabeler("lead", "admin");
    }

    /** One retrain instance: its own service and producer, sharing only the database and the models folder. */
    private RetrainService instance(RetrainTriggers triggers) {
        MockProducer<String, ModelUpdate> producer = new MockProducer<>(true, null,
                Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer());
        return new RetrainService(dataSource, queue, new ModelRegistry(dataSource, MODEL), new ModelPublisher(producer),
                RetrainConfig.defaults().withModelsDir(modelsDir).withFineTune(QUICK).withTriggers(triggers));
    }

    private void bootstrap(RetrainService service) {
        List<FrameEvent> frames = DrivingScenes.frames("seed", 64, 3L, true);
        try (DrivingModel seed = SeedTrainer.train(DrivingScenes.spec(), frames, SEED_TRAINING)) {
            assertThat(service.bootstrap(seed)).isPresent();
        }
    }

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

    private List<String> rows(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet rows = statement.executeQuery()) {
            List<String> result = new ArrayList<>();
            int columns = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<String> values = new ArrayList<>();
                for (int c = 1; c <= columns; c++) {
                    values.add(rows.getString(c));
                }
                result.add(String.join("|", values));
            }
            return result;
        }
    }

    @Test
    void whileAnotherInstanceHoldsTheLockNoRunStartsAndOnceItIsFreeOneDoes() throws SQLException {
        RetrainService service = instance(RetrainTriggers.defaults().withMinNewLabels(20));
        bootstrap(service);
        label("many", 48, 7L);
        RetrainLock other = new RetrainLock(dataSource, MODEL);

        try (RetrainLock.Held held = other.tryAcquire().orElseThrow()) {
            assertThat(new RetrainLock(dataSource, MODEL).tryAcquire()).as("one holder at a time").isEmpty();
            assertThat(new RetrainLock(dataSource, "another-model").tryAcquire()).as("other models are free")
                    .hasValueSatisfying(RetrainLock.Held::close);

            assertThat(service.runIfDue()).isEmpty();
            assertThat(rows("SELECT run_id FROM retrain_runs")).isEmpty();
        }

        assertThat(service.runIfDue()).isPresent();
        assertThat(rows("SELECT trigger, reason FROM retrain_runs")).containsExactly("new_labels|48 new labels >= 20");
    }

    @Test
    void aLockWhoseConnectionWasCutIsReportedLostAndTakenByTheNextInstance() throws SQLException {
        RetrainLock lock = new RetrainLock(dataSource, MODEL);
        try (RetrainLock.Held held = lock.tryAcquire().orElseThrow()) {
            held.requireHeld();

            // What a database restart or a network cut does to the session that holds the lock.
            assertThat(rows("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"))
                    .containsExactly("t");

            assertThatThrownBy(held::requireHeld)
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("another instance may be running");
            assertThat(new RetrainLock(dataSource, MODEL).tryAcquire()).as("free for the next instance")
                    .hasValueSatisfying(RetrainLock.Held::close);
        }
    }

    @Test
    void twoInstancesPollingAtTheSameMomentStartExactlyOneRun() throws Exception {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(20);
        RetrainService first = instance(triggers);
        RetrainService second = instance(triggers);
        bootstrap(first);
        label("many", 48, 7L);
        CountDownLatch start = new CountDownLatch(1);
        Callable<Optional<RetrainRun>> poll1 = () -> {
            start.await();
            return first.runIfDue();
        };
        Callable<Optional<RetrainRun>> poll2 = () -> {
            start.await();
            return second.runIfDue();
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Optional<RetrainRun>> a = pool.submit(poll1);
            Future<Optional<RetrainRun>> b = pool.submit(poll2);
            start.countDown();

            List<Optional<RetrainRun>> results = List.of(a.get(), b.get());

            assertThat(results).filteredOn(Optional::isPresent).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows("SELECT outcome, candidate_version FROM retrain_runs")).singleElement().asString()
                .doesNotStartWith("failed").endsWith("|2");
        assertThat(registry.nextVersion()).isEqualTo(3);
    }

    @Test
    void anAdminRequestStartsARunWithoutNewLabelsAndIsMarkedStartedByIt() throws SQLException {
        RetrainService service = instance(RetrainTriggers.defaults().withMinNewLabels(1000));
        bootstrap(service);
        label("many", 48, 7L);
        assertThat(service.runIfDue()).as("48 labels < 1000").isEmpty();
        rows("INSERT INTO retrain_requests (model_name, requested_by, reason) VALUES ('" + MODEL
                + "', 'lead', 'new camera firmware') RETURNING request_id");

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(rows("SELECT trigger, reason FROM retrain_runs"))
                .containsExactly("manual|manual: asked by lead: new camera firmware");
        assertThat(rows("SELECT state, run_id FROM retrain_requests")).containsExactly("started|" + run.runId());
        assertThat(service.runIfDue()).as("the request is answered").isEmpty();
    }

    @Test
    void aRunLeftRunningByAnInstanceThatStoppedIsRecordedFailedAndItsLabelsAreTrainedAgain() throws Exception {
        RetrainService service = instance(RetrainTriggers.defaults().withMinNewLabels(20));
        bootstrap(service);
        label("many", 48, 7L);
        // What an instance killed in the middle of a fine-tune leaves: its row, still running.
        rows("INSERT INTO retrain_runs (model_name, base_version, reason, labels_used, max_label_id, trigger)"
                + " SELECT '" + MODEL + "', 1, '48 new labels >= 20', 38, MAX(label_id), 'new_labels' FROM labels"
                + " RETURNING run_id");

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(rows("SELECT outcome, detail FROM retrain_runs WHERE run_id <> " + run.runId()))
                .containsExactly("failed|abandoned: the instance running it stopped before it finished");
        assertThat(rows("SELECT trigger, outcome FROM retrain_runs WHERE run_id = " + run.runId()))
                .containsExactly("new_labels|" + run.outcome().databaseValue());
        assertThat(RetrainConfig.defaults().withModelsDir(modelsDir).fineTuneCheckpointDir())
                .as("the recorded run's checkpoint is deleted").doesNotExist();
    }

    @Test
    void aCandidateIsRegisteredWithTheLabelsItWasTrainedAndJudgedOn() throws SQLException {
        RetrainService service = instance(RetrainTriggers.defaults().withMinNewLabels(20));
        bootstrap(service);
        label("many", 48, 7L);
        List<LabeledExample> all = queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE);
        HeldOutSplit split = HeldOutSplit.of(all, QUICK.heldOutEvery());

        RetrainRun run = service.runIfDue().orElseThrow();

        assertThat(rows("SELECT label_id FROM model_version_labels WHERE version = 2 AND used_as = 'training'"
                + " ORDER BY label_id"))
                .hasSize(run.labelsUsed())
                .containsExactlyElementsOf(split.training().stream().map(e -> Long.toString(e.labelId())).toList());
        assertThat(rows("SELECT label_id FROM model_version_labels WHERE version = 2 AND used_as = 'held_out'"
                + " ORDER BY label_id"))
                .containsExactlyElementsOf(split.heldOut().stream().map(e -> Long.toString(e.labelId())).toList());
        assertThat(rows("SELECT COUNT(*) FROM model_version_labels WHERE version = 1")).as("the seed used no label")
                .containsExactly("0");
    }
}
