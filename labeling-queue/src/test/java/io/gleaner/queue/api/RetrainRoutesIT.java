package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The retrain and lineage routes' refusals over HTTP on a real PostgreSQL. That a request starts a
 * run, and what lineage shows after one, is tested in the retrain module (RetrainApiIT), which has
 * the retrain service this module cannot depend on.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class RetrainRoutesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newHttpClient();
    private DataSource dataSource;
    private QueueApiServer server;
    private String admin;
    private String alice;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        this.dataSource = dataSource;
        ApiTokens tokens = new ApiTokens(dataSource);
        admin = tokens.create("lead", "admin").token();
        alice = tokens.create("alice", "labeler").token();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private void register(String model) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("INSERT INTO model_versions (model_name,"
                        + " version, artifact_uri, artifact_sha256, state) VALUES (?, 1, 'file:///m/v1', ?, 'live')")) {
            statement.setString(1, model);
            statement.setString(2, "a".repeat(64));
            statement.executeUpdate();
        }
    }

    @Test
    void aRequestNeedsAReasonAndARegisteredModelNamedWhenThereAreSeveral() throws Exception {
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"go\"}"), 422, "invalid", "no model is registered");
        register("cars");

        assertError(post("/api/v1/retrain", admin, "{}"), 422, "invalid", "reason has 0 characters");
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"   \"}"), 422, "invalid", "reason has 0 characters");
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"" + "x".repeat(501) + "\"}"), 422, "invalid",
                "reason has 501 characters");
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"go\", \"model\": \"trucks\"}"), 422, "invalid",
                "no model named 'trucks' is registered; registered: cars");
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"go\", \"urgent\": true}"), 422, "invalid", "urgent");
        assertError(post("/api/v1/retrain", alice, "{\"reason\": \"go\"}"), 403, "forbidden", "admins");

        HttpResponse<String> created = post("/api/v1/retrain", admin, "{\"reason\": \"go\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("model").asText()).isEqualTo("cars");
        assertThat(json(created).path("runId").isNull()).isTrue();

        register("trucks");
        assertError(post("/api/v1/retrain", admin, "{\"reason\": \"go\"}"), 422, "invalid",
                "several models are registered (cars, trucks)");
        assertThat(post("/api/v1/retrain", admin, "{\"reason\": \"go\", \"model\": \"trucks\"}").statusCode())
                .isEqualTo(201);
        JsonNode status = json(get("/api/v1/retrain?limit=10", admin));
        assertThat(status.path("requests").findValuesAsText("model")).containsExactly("trucks", "cars");
        assertThat(status.path("runs")).isEmpty();
    }

    @Test
    void lineageIsForAdminsAndSaysWhatIsMissing() throws Exception {
        register("cars");

        assertError(get("/api/v1/lineage/labels/5", alice), 403, "forbidden", "admins");
        assertError(get("/api/v1/lineage/labels/5", admin), 404, "not_found", "no label 5");
        assertError(get("/api/v1/lineage/models/cars/2", admin), 404, "not_found", "no model cars v2");
        assertError(get("/api/v1/lineage/models/cars/1?limit=0", admin), 422, "invalid", "limit 0");
        assertError(get("/api/v1/lineage/somewhere", admin), 404, "not_found", "lineage is at");
        JsonNode seed = json(get("/api/v1/lineage/models/cars/1", admin));
        assertThat(seed.path("state").asText()).isEqualTo("live");
        assertThat(seed.path("trainingLabels").asInt()).isZero();
        assertThat(seed.path("labels")).isEmpty();
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

    private static void assertError(HttpResponse<String> response, int status, String error, String reason)
            throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("reason").asText()).contains(reason);
    }
}
