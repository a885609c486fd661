package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.queue.EdgeCases;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The API on an ephemeral port against a real PostgreSQL, driven over HTTP like a dashboard would. */
@ExtendWith(EmbeddedPostgresExtension.class)
class QueueApiServerIT {
    private static final String INJECTION = "x'); DROP TABLE labels; --";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newHttpClient();
    private DataSource dataSource;
    private TaskStore store;
    private QueueApiServer server;
    private String alice;
    private String bob;
    private String admin;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        this.dataSource = dataSource;
        store = new TaskStore(dataSource);
        ApiTokens tokens = new ApiTokens(dataSource);
        alice = tokens.create("alice", "labeler").token();
        bob = tokens.create("bob", "labeler").token();
        admin = tokens.create("root", "admin").token();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void healthNeedsNoTokenButEveryOtherRouteDoes() throws Exception {
        assertThat(call("GET", "/health", null, null).statusCode()).isEqualTo(200);

        HttpResponse<String> none = call("GET", "/api/v1/stats", null, null);
        assertError(none, 401, "unauthorized", "Authorization: Bearer");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertError(call("GET", "/api/v1/stats", "glq_made-up", null), 401, "unauthorized", "unknown or revoked");
        assertError(call("POST", "/api/v1/claims", "", "{}"), 401, "unauthorized", "Bearer");

        new ApiTokens(dataSource).revokeAll("bob");
        assertError(call("GET", "/api/v1/me", bob, null), 401, "unauthorized", "revoked");
        assertThat(json(call("GET", "/api/v1/me", alice, null)).path("role").asText()).isEqualTo("labeler");
    }

    @Test
    void aLabelerClaimsReadsHeartbeatsFlagsAndLabelsATask() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));

        JsonNode claimed = json(call("POST", "/api/v1/claims", alice, "{\"max\": 5, \"leaseSeconds\": 60}"));
        JsonNode task = claimed.path("tasks").get(0);
        long taskId = task.path("taskId").asLong();
        assertThat(claimed.path("tasks")).hasSize(1);
        assertThat(task.path("frameId").asText()).isEqualTo("frame-1");
        assertThat(task.path("humanAction").path("steering").asDouble()).isEqualTo(-0.25);

        JsonNode detail = json(call("GET", task.path("url").asText(), alice, null));
        assertThat(detail.path("model").path("sceneProbabilities").path("pedestrian_crossing").asDouble()).isEqualTo(0.75);
        assertThat(detail.path("model").path("predictedAction").path("acceleration").asDouble()).isEqualTo(-0.5);
        assertThat(detail.path("triggers").get(0).path("name").asText()).isEqualTo("action_disagreement");
        assertThat(detail.path("lease").path("owner").asText()).isEqualTo("alice");
        assertThat(detail.has("labels")).as("labelers label blind").isFalse();

        HttpResponse<byte[]> image = client.send(request("GET", task.path("image").path("url").asText(), alice, null).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(image.body()).isEqualTo(EdgeCases.imageBytes("frame-1"));

        Instant before = Instant.parse(task.path("leaseExpiresAt").asText());
        JsonNode beat = json(call("POST", "/api/v1/tasks/" + taskId + "/heartbeat", alice, "{\"leaseSeconds\": 600}"));
        assertThat(Instant.parse(beat.path("leaseExpiresAt").asText())).isAfter(before.plusSeconds(500));

        assertThat(call("POST", "/api/v1/tasks/" + taskId + "/flags", alice,
                "{\"reason\": \"sensor_fault\", \"note\": \"smear on the lens\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> submitted = call("POST", "/api/v1/tasks/" + taskId + "/labels", alice,
                "{\"scene\": \"pedestrian_crossing\", \"steering\": 0, \"acceleration\": -1, \"notes\": \"child on the kerb\"}");
        assertThat(submitted.statusCode()).isEqualTo(201);
        assertThat(json(submitted).path("taskState").asText()).isEqualTo("labeled");

        JsonNode stats = json(call("GET", "/api/v1/stats", alice, null));
        assertThat(stats.path("labeled").asLong()).isEqualTo(1);
        assertThat(stats.path("labels").asLong()).isEqualTo(1);
        JsonNode team = json(call("GET", "/api/v1/team?hours=12", alice, null));
        assertThat(team.path("labelsPerHour").get(0).path("labels").asLong()).isEqualTo(1);
        assertThat(team.path("precisionByTrigger").get(0).path("trigger").asText()).isEqualTo("action_disagreement");
        assertThat(team.path("precisionByTrigger").get(0).path("modelWrong").asLong())
                .as("acceleration -1 against the model's -0.5").isEqualTo(1);
        assertThat(team.path("depthByTrigger")).isEmpty();
        assertError(call("GET", "/api/v1/team?hours=0", alice, null), 422, "invalid", "1 .. 720");
        JsonNode seenByAdmin = json(call("GET", "/api/v1/tasks/" + taskId, admin, null));
        assertThat(seenByAdmin.path("labels").get(0).path("notes").asText()).isEqualTo("child on the kerb");
        assertThat(seenByAdmin.path("flags").get(0).path("reason").asText()).isEqualTo("sensor_fault");
    }

    @Test
    void skipAndReleaseEndTheLease() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-2", 0.1));
        JsonNode tasks = json(call("POST", "/api/v1/claims", alice, "{\"max\": 2}")).path("tasks");

        JsonNode skipped = json(call("POST", "/api/v1/tasks/" + tasks.get(0).path("taskId").asLong() + "/skip", alice,
                "{\"reason\": \"unlabelable\"}"));
        JsonNode released = json(call("POST", "/api/v1/tasks/" + tasks.get(1).path("taskId").asLong() + "/release", alice, null));

        assertThat(skipped.path("taskState").asText()).isEqualTo("skipped");
        assertThat(released.path("taskState").asText()).isEqualTo("pending");
        JsonNode reclaimed = json(call("POST", "/api/v1/claims", bob, "{\"max\": 2}")).path("tasks");
        assertThat(reclaimed).hasSize(1);
        assertThat(reclaimed.get(0).path("frameId").asText()).isEqualTo("frame-2");
    }

    @Test
    void labelersAreRefusedAdminRoutesAndTasksTheyDoNotHold() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        long taskId = json(call("POST", "/api/v1/claims", alice, null)).path("tasks").get(0).path("taskId").asLong();

        assertError(call("GET", "/api/v1/export", alice, null), 403, "forbidden", "for admins");
        assertError(call("POST", "/api/v1/purge", alice, "{}"), 403, "forbidden", "for admins");
        assertError(call("PATCH", "/api/v1/tasks/" + taskId, alice, "{\"priority\": 9}"), 403, "forbidden", "for admins");
        assertError(call("DELETE", "/api/v1/tasks/" + taskId, alice, null), 403, "forbidden", "for admins");
        assertError(call("GET", "/api/v1/tasks/" + taskId, bob, null), 403, "forbidden", "not leased to bob");
        assertError(call("GET", "/api/v1/tasks/" + taskId + "/image", bob, null), 403, "forbidden", "not leased to bob");
    }

    @Test
    void unknownRoutesTasksAndInjectedPathsAre404AndWrongMethods405() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));

        assertError(call("GET", "/api/v1/nope", alice, null), 404, "not_found", "no route");
        assertError(call("GET", "/nope", alice, null), 404, "not_found", "under /api/v1");
        assertError(call("GET", "/api/v1/tasks/999", admin, null), 404, "task_not_found", "task 999 does not exist");
        assertError(call("GET", "/api/v1/tasks/1%20OR%201=1", admin, null), 404, "not_found", "whole-number id");
        assertError(call("GET", "/api/v1/tasks/1;DROP%20TABLE%20labels", admin, null), 404, "not_found", "no route");
        assertError(call("GET", "/api/v1/tasks/-1", admin, null), 404, "not_found", "positive");
        HttpResponse<String> wrongMethod = call("GET", "/api/v1/claims", alice, null);
        assertError(wrongMethod, 405, "method_not_allowed", "use POST");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
        assertThat(countRows("edge_case_tasks")).isEqualTo(1);
    }

    @Test
    void adminsExportToLabelStudioAndImportItsAnnotations() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-3", 0.5));

        assertError(call("GET", "/api/v1/export/label-studio", alice, null), 403, "forbidden", "export is for admins");
        assertError(call("POST", "/api/v1/import/label-studio", alice, "[]"), 403, "forbidden", "import is for admins");
        HttpResponse<String> page = call("GET", "/api/v1/export/label-studio?afterTaskId=0&limit=1", admin, null);
        JsonNode tasks = json(page);
        assertThat(tasks.isArray()).as("the bare list Label Studio imports").isTrue();
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).path("data").path("frame_id").asText()).isEqualTo("frame-1");
        assertThat(page.headers().firstValue("X-Next-After-Task-Id")).contains("1");
        assertThat(json(call("GET", "/api/v1/export/label-studio?afterTaskId=1", admin, null))).hasSize(1);
        assertError(call("GET", "/api/v1/export/label-studio?limit=501", admin, null), 422, "invalid", "1 .. 500");
        HttpResponse<String> config = call("GET", "/api/v1/export/label-studio/config", admin, null);
        assertThat(config.headers().firstValue("Content-Type")).contains("application/xml; charset=utf-8");
        assertThat(config.body()).startsWith("<View>").contains("<Choice value=\"pedestrian_crossing\"/>");

        String export;
        try (var in = getClass().getResourceAsStream("/label-studio/annotations-export.json")) {
            export = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(export.length()).as("bigger than an ordinary request may be").isGreaterThan(8 * 1024);
        JsonNode report = json(call("POST", "/api/v1/import/label-studio", admin, export));
        assertThat(report.path("imported").asInt()).as("frame-1 and frame-3").isEqualTo(2);
        assertThat(report.path("unknownFrame").asInt()).as("frame-2's two annotations and one never harvested").isEqualTo(3);
        assertThat(report.path("refused")).hasSize(2);
        assertThat(countRows("labels")).isEqualTo(2);
        assertError(call("POST", "/api/v1/import/label-studio", admin, "{\"not\": \"a list\"}"), 422, "invalid",
                "JSON list of tasks");
        assertError(call("POST", "/api/v1/import/label-studio", admin, "[{"), 400, "bad_request", "not JSON");
    }

    @Test
    void leaseAndStateConflictsAre409() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        long taskId = json(call("POST", "/api/v1/claims", alice, null)).path("tasks").get(0).path("taskId").asLong();
        String label = "{\"scene\": \"debris\", \"steering\": 0, \"acceleration\": -1}";

        assertError(call("POST", "/api/v1/tasks/" + taskId + "/labels", bob, label), 409, "lease_conflict", "leased to alice");
        assertError(call("POST", "/api/v1/tasks/" + taskId + "/release", bob, null), 409, "lease_conflict", "not leased to bob");
        assertError(call("POST", "/api/v1/tasks/" + taskId + "/heartbeat", bob, null), 409, "lease_conflict", "leased to alice");
        assertThat(call("POST", "/api/v1/tasks/" + taskId + "/labels", alice, label).statusCode()).isEqualTo(201);
        assertError(call("POST", "/api/v1/tasks/" + taskId + "/labels", alice, label), 409, "lease_conflict", "is labeled");
        assertError(call("DELETE", "/api/v1/tasks/" + taskId, admin, null), 409, "conflict", "has labels");
    }

    @Test
    void theServerReturnsLapsedLeasesToPendingOnItsOwnOnceTheGraceIsOver() throws Exception {
        server.close();
        server = QueueApiServer.start(dataSource,
                ServeConfig.defaults().withPort(0).withLeaseSweep(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-2", 0.1));
        long lapsing = json(call("POST", "/api/v1/claims", alice, "{\"max\": 1, \"leaseSeconds\": 1}"))
                .path("tasks").get(0).path("taskId").asLong();
        long kept = json(call("POST", "/api/v1/claims", bob, "{\"max\": 1, \"leaseSeconds\": 600}"))
                .path("tasks").get(0).path("taskId").asLong();
        assertThat(json(call("GET", "/api/v1/stats", admin, null)).path("leased").asLong()).isEqualTo(2);

        // Stats count a lapsed lease as pending at once; the row's state changes only when swept.
        await("the sweep, with no request asking for it").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(taskState(lapsing)).isEqualTo("pending"));

        assertThat(taskState(kept)).as("the live lease stays").isEqualTo("leased");
        JsonNode stats = json(call("GET", "/api/v1/stats", admin, null));
        assertThat(stats.path("pending").asLong()).isEqualTo(1);
        assertThat(stats.path("leased").asLong()).isEqualTo(1);
        assertError(call("POST", "/api/v1/tasks/" + lapsing + "/labels", alice,
                "{\"scene\": \"debris\", \"steering\": 0, \"acceleration\": -1}"), 409, "lease_conflict", "pending");
    }

    @Test
    void invalidValuesAre422MalformedJson400AndOversizedBodies413() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        long taskId = json(call("POST", "/api/v1/claims", alice, null)).path("tasks").get(0).path("taskId").asLong();
        String labels = "/api/v1/tasks/" + taskId + "/labels";

        assertError(call("POST", labels, alice, "{\"scene\": \"debris\", \"steering\": 2, \"acceleration\": 0}"),
                422, "invalid", "'steering' is 2.0, must be in [-1, 1]");
        assertError(call("POST", labels, alice, "{\"steering\": 0, \"acceleration\": 0}"), 422, "invalid", "'scene' is required");
        assertError(call("POST", labels, alice, "{\"scene\": \"debris\", \"steering\": \"left\", \"acceleration\": 0}"),
                422, "invalid", "'steering' must be a number");
        assertError(call("POST", labels, alice, "{\"scene\": \"debris\", \"steering\": 0, \"acceleration\": 0, \"admin\": true}"),
                422, "invalid", "unknown field 'admin'");
        assertError(call("POST", labels, alice, "[1, 2]"), 422, "invalid", "JSON object");
        assertError(call("POST", "/api/v1/tasks/" + taskId + "/skip", alice, "{\"reason\": \"boring\"}"),
                422, "invalid", "reason 'boring' is unknown");
        assertError(call("POST", "/api/v1/claims", alice, "{\"max\": 1000}"), 422, "invalid", "at most 100");
        assertError(call("POST", "/api/v1/claims", alice, "{\"leaseSeconds\": 0}"), 422, "invalid", "leaseSeconds");
        assertError(call("PATCH", "/api/v1/tasks/" + taskId, admin, "{\"labelsRequired\": 3, \"maxLabels\": 2}"),
                422, "invalid", "max labels is 2");
        assertError(call("POST", labels, alice, "{\"scene\": \"debris\", "), 400, "malformed_json", "not valid JSON");
        assertError(call("POST", labels, alice, "{\"scene\": \"debris\", \"scene\": \"clear_road\", \"steering\": 0,"
                + " \"acceleration\": 0}"), 400, "malformed_json", "Duplicate field 'scene'");
        assertError(call("POST", labels, alice, "{\"scene\": \"" + "x".repeat(70_000) + "\"}"), 413, "too_large", "limit is 65536");
        assertThat(countRows("labels")).isZero();
    }

    @Test
    void anSqlInjectionInABodyIsStoredAsTextAndChangesNothingElse() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        long taskId = json(call("POST", "/api/v1/claims", alice, null)).path("tasks").get(0).path("taskId").asLong();

        HttpResponse<String> response = call("POST", "/api/v1/tasks/" + taskId + "/labels", alice,
                JSON.createObjectNode().put("scene", INJECTION).put("steering", 0).put("acceleration", 0)
                        .put("notes", "'; DELETE FROM edge_case_tasks; --").toString());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(stringValue("SELECT scene || '|' || notes FROM labels"))
                .isEqualTo(INJECTION + "|'; DELETE FROM edge_case_tasks; --");
        assertThat(countRows("edge_case_tasks")).isEqualTo(1);
        JsonNode exported = json(call("GET", "/api/v1/export?afterLabelId=0%20OR%201=1", admin, null));
        assertThat(exported.path("error").asText()).isEqualTo("invalid");
    }

    @Test
    void adminsReprioritiseRequireConsensusExportAndPurge() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-2", 0.1));
        store.insert(EdgeCases.edgeCase("frame-3", 0.5));
        long second = longValue("SELECT task_id FROM edge_case_tasks WHERE frame_id = 'frame-2'");
        long third = longValue("SELECT task_id FROM edge_case_tasks WHERE frame_id = 'frame-3'");

        JsonNode patched = json(call("PATCH", "/api/v1/tasks/" + second, admin,
                "{\"priority\": 5, \"labelsRequired\": 2, \"maxLabels\": 3}"));
        assertThat(patched.path("priority").asDouble()).isEqualTo(5.0);
        assertThat(patched.path("labelsRequired").asInt()).isEqualTo(2);
        JsonNode claimed = json(call("POST", "/api/v1/claims", alice, null)).path("tasks").get(0);
        assertThat(claimed.path("frameId").asText()).isEqualTo("frame-2");
        JsonNode submitted = json(call("POST", "/api/v1/tasks/" + second + "/labels", alice,
                "{\"scene\": \"debris\", \"steering\": 0, \"acceleration\": -1}"));
        assertThat(submitted.path("taskState").asText()).as("one of two labels").isEqualTo("pending");

        JsonNode export = json(call("GET", "/api/v1/export?afterLabelId=0&limit=10", admin, null));
        assertThat(export.path("labels")).hasSize(1);
        assertThat(export.path("labels").get(0).path("completesTask").asBoolean()).isFalse();
        assertThat(export.path("labels").get(0).path("triggers").get(0).path("score").asDouble()).isEqualTo(0.875);
        assertThat(export.path("nextAfterLabelId").asLong()).isEqualTo(submitted.path("labelId").asLong());

        assertThat(call("DELETE", "/api/v1/tasks/" + third, admin, null).statusCode()).isEqualTo(204);
        assertError(call("DELETE", "/api/v1/tasks/" + third, admin, null), 404, "task_not_found", "does not exist");
        JsonNode purged = json(call("POST", "/api/v1/purge", admin,
                "{\"states\": [\"pending\"], \"harvestedBefore\": \"2030-01-01T00:00:00Z\"}"));
        assertThat(purged.path("purged").asInt()).as("frame-1; frame-2 has a label").isEqualTo(1);
        assertError(call("POST", "/api/v1/purge", admin, "{\"states\": [\"labeled\"], \"harvestedBefore\": \"2030-01-01T00:00:00Z\"}"),
                422, "invalid", "never purged");
        assertError(call("POST", "/api/v1/purge", admin, "{\"states\": [\"pending\"], \"harvestedBefore\": \"yesterday\"}"),
                422, "invalid", "ISO-8601");
        assertThat(countRows("edge_case_tasks")).isEqualTo(1);
    }

    private HttpResponse<String> call(String method, String path, String token, String body)
            throws IOException, InterruptedException {
        return client.send(request(method, path, token, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path, String token, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        return builder;
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
        return JSON.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String error, String reason)
            throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("reason").asText()).contains(reason);
    }

    private String taskState(long taskId) throws SQLException {
        return stringValue("SELECT state FROM edge_case_tasks WHERE task_id = " + taskId);
    }

    private long countRows(String table) throws SQLException {
        return longValue("SELECT count(*) FROM " + table);
    }

    private long longValue(String sql) throws SQLException {
        return Long.parseLong(stringValue(sql));
    }

    private String stringValue(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
