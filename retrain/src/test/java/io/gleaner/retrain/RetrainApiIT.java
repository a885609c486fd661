package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.queue.Label;
import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.api.ApiTokens;
import io.gleaner.queue.api.QueueApiServer;
import io.gleaner.queue.api.ServeConfig;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin's side of retraining over HTTP, against the real API server, a real PostgreSQL and a
 * real retrain service: a retrain asked for with {@code POST /api/v1/retrain} is run by the
 * service, and the lineage routes show which labels the resulting version used, both ways.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class RetrainApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = DrivingScenes.spec().modelName();
    private static final TrainingConfig SEED_TRAINING = new TrainingConfig(6, 16, 3e-3f, 17L, 5, 1f);
    private static final TrainingConfig QUICK = new TrainingConfig(1, 8, 1f, 23L, 5, 1f);

    private final HttpClient client = HttpClient.newHttpClient();
    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;
    private QueueApiServer server;
    private RetrainService service;
    private String admin;
    private String alice;
    @TempDir
    Path modelsDir;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        this.dataSource = dataSource;
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        ApiTokens tokens = new ApiTokens(dataSource);
        admin = tokens.create("lead", "admin").token();
        alice = tokens.create("alice", "labeler").token();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));
        MockProducer<String, ModelUpdate> producer = new MockProducer<>(true, null,
                Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer());
        // Only an admin's request can start a run here: 1,000 labels will not arrive.
        service = new RetrainService(dataSource, queue, new ModelRegistry(dataSource, MODEL),
                new ModelPublisher(producer), RetrainConfig.defaults().withModelsDir(modelsDir).withFineTune(QUICK)
                        .withMinNewLabels(1000));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private void bootstrapAndLabel() {
        try (DrivingModel seed = SeedTrainer.train(DrivingScenes.spec(), DrivingScenes.frames("seed", 64, 3L, true),
                SEED_TRAINING)) {
            service.bootstrap(seed);
        }
        List<FrameEvent> frames = DrivingScenes.frames("many", 48, 7L, true);
        Map<String, Label> correct = new HashMap<>();
        for (int i = 0; i < frames.size(); i++) {
            float b = DrivingScenes.brightness(i, frames.size());
            correct.put(frames.get(i).getFrameId(),
                    new Label(DrivingScenes.scene(b), DrivingScenes.steering(b), DrivingScenes.acceleration(b)));
            store.insert(DrivingScenes.edgeCase(frames.get(i), 1.0 - (double) i / frames.size()));
        }
        for (Task task : queue.claim("alice", frames.size(), Duration.ofMinutes(5))) {
            queue.submitLabel(task.taskId(), "alice", correct.get(task.frameId()));
        }
    }

    @Test
    void anAdminsRequestOverHttpStartsARunThatRecordsWhoAskedAndWhy() throws Exception {
        bootstrapAndLabel();
        assertThat(service.runIfDue()).as("48 labels do not reach 1000").isEmpty();

        HttpResponse<String> refused = post("/api/v1/retrain", alice, "{\"reason\": \"I think it is time\"}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(json(refused).path("error").asText()).isEqualTo("forbidden");
        assertThat(service.runIfDue()).as("a labeler's refused request starts nothing").isEmpty();

        HttpResponse<String> created = post("/api/v1/retrain", admin, "{\"reason\": \"new camera firmware\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("model").asText()).isEqualTo(MODEL);
        assertThat(json(created).path("state").asText()).isEqualTo("pending");
        long requestId = json(created).path("requestId").asLong();

        RetrainRun run = service.runIfDue().orElseThrow();

        JsonNode status = json(get("/api/v1/retrain", admin));
        assertThat(status.path("runs")).hasSize(1);
        assertThat(status.path("runs").get(0).path("runId").asLong()).isEqualTo(run.runId());
        assertThat(status.path("runs").get(0).path("trigger").asText()).isEqualTo("manual");
        assertThat(status.path("runs").get(0).path("reason").asText())
                .isEqualTo("manual: asked by lead: new camera firmware");
        assertThat(status.path("runs").get(0).path("outcome").asText()).isEqualTo(run.outcome().databaseValue());
        assertThat(status.path("requests").get(0).path("requestId").asLong()).isEqualTo(requestId);
        assertThat(status.path("requests").get(0).path("state").asText()).isEqualTo("started");
        assertThat(status.path("requests").get(0).path("runId").asLong()).isEqualTo(run.runId());
        assertThat(get("/api/v1/retrain", alice).statusCode()).isEqualTo(403);
    }

    @Test
    void lineageLeadsFromALabelToTheVersionsTrainedOnItAndFromAVersionToItsLabels() throws Exception {
        bootstrapAndLabel();
        post("/api/v1/retrain", admin, "{\"reason\": \"lineage\", \"model\": \"" + MODEL + "\"}");
        RetrainRun run = service.runIfDue().orElseThrow();
        HeldOutSplit split = HeldOutSplit.of(queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE), QUICK.heldOutEvery());
        LabeledExample trained = split.training().get(0);
        LabeledExample heldOut = split.heldOut().get(0);

        JsonNode label = json(get("/api/v1/lineage/labels/" + trained.labelId(), admin));
        assertThat(label.path("frame").path("frameId").asText()).isEqualTo(trained.frameId());
        assertThat(label.path("frame").path("scoredBy").asText()).as("DrivingScenes' edge cases say v1 scored them")
                .isEqualTo("1");
        assertThat(label.path("frame").path("triggers").get(0).path("name").asText()).isEqualTo("action_disagreement");
        assertThat(label.path("usedBy")).hasSize(1);
        assertThat(label.path("usedBy").get(0).path("version").asInt()).isEqualTo(run.candidateVersion());
        assertThat(label.path("usedBy").get(0).path("usedAs").asText()).isEqualTo("training");
        assertThat(json(get("/api/v1/lineage/labels/" + heldOut.labelId(), admin)).path("usedBy").get(0)
                .path("usedAs").asText()).isEqualTo("held_out");

        HttpResponse<String> firstPage = get("/api/v1/lineage/models/" + MODEL + "/" + run.candidateVersion()
                + "?limit=5", admin);
        JsonNode version = json(firstPage);
        assertThat(version.path("trainingLabels").asInt()).isEqualTo(run.labelsUsed());
        assertThat(version.path("heldOutLabels").asInt()).isEqualTo(split.heldOut().size());
        assertThat(version.path("parentVersion").asInt()).isEqualTo(1);
        assertThat(version.path("labels")).hasSize(5);
        String next = firstPage.headers().firstValue("X-Next-After-Label-Id").orElseThrow();
        JsonNode rest = json(get("/api/v1/lineage/models/" + MODEL + "/" + run.candidateVersion()
                + "?limit=1000&afterLabelId=" + next, admin));
        assertThat(rest.path("labels")).hasSize(48 - 5);

        assertThat(get("/api/v1/lineage/labels/" + trained.labelId(), alice).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/lineage/models/" + MODEL + "/99", admin).statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/lineage/labels/999999", admin).statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
