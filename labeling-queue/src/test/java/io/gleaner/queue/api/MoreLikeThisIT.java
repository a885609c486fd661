package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.queue.EdgeCases;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.EdgeCase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "More like this" over HTTP on a real PostgreSQL: nearest tasks by stored embedding, and campaigns
 * started from tasks, published to a recording {@link CampaignPublisher} (the Kafka producer that
 * {@code gleaner serve} plugs in is not exercised here).
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class MoreLikeThisIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<Campaign> published = new ArrayList<>();
    private DataSource dataSource;
    private TaskStore store;
    private QueueApiServer server;
    private String admin;
    private String alice;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        this.dataSource = dataSource;
        store = new TaskStore(dataSource);
        ApiTokens tokens = new ApiTokens(dataSource);
        admin = tokens.create("root", "admin").token();
        alice = tokens.create("alice", "labeler").token();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0), published::add);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void theSinkStoresTheEmbeddingAndNullWithoutOne() throws Exception {
        store.insert(withEmbedding("with", 0.6f, 0.8f));
        store.insert(EdgeCases.edgeCase("without", 0.5));

        assertThat(text("SELECT embedding::text FROM edge_case_tasks WHERE frame_id = 'with'")).isEqualTo("{0.6,0.8}");
        assertThat(text("SELECT embedding::text FROM edge_case_tasks WHERE frame_id = 'without'")).isNull();
        assertThat(store.insert(withEmbedding("with", 0f, 1f))).as("a replay changes nothing").isFalse();
        assertThat(text("SELECT embedding::text FROM edge_case_tasks WHERE frame_id = 'with'")).isEqualTo("{0.6,0.8}");
    }

    @Test
    void similarListsTheNearestTasksByCosineForAdminsOnly() throws Exception {
        Map<String, Long> ids = seed();

        JsonNode two = json(get("/api/v1/tasks/" + ids.get("target") + "/similar?k=2", admin));
        assertThat(two.path("similar")).hasSize(2);
        assertThat(two.path("similar").get(0).path("frameId").asText()).isEqualTo("near");
        assertThat(two.path("similar").get(0).path("taskId").asLong()).isEqualTo(ids.get("near"));
        assertThat(two.path("similar").get(0).path("similarity").asDouble()).isCloseTo(0.8, within(1e-6));
        assertThat(two.path("similar").get(0).path("state").asText()).isEqualTo("pending");
        assertThat(two.path("similar").get(1).path("frameId").asText()).isEqualTo("middle");
        assertThat(two.path("similar").get(1).path("similarity").asDouble()).isCloseTo(0.0, within(1e-6));

        JsonNode all = json(get("/api/v1/tasks/" + ids.get("target") + "/similar", admin));
        assertThat(all.path("similar").findValuesAsText("frameId"))
                .as("never the task itself, nor tasks without an embedding or of another length")
                .containsExactly("near", "middle", "opposite");
        assertThat(all.path("similar").get(2).path("similarity").asDouble()).isCloseTo(-1.0, within(1e-6));

        assertError(get("/api/v1/tasks/" + ids.get("target") + "/similar", alice), 403, "forbidden", "admins");
        assertError(get("/api/v1/tasks/" + ids.get("bare") + "/similar", admin), 422, "invalid", "no stored embedding");
        assertError(get("/api/v1/tasks/" + ids.get("target") + "/similar?k=0", admin), 422, "invalid", "k is 0");
        assertError(get("/api/v1/tasks/999999/similar", admin), 404, "task_not_found", "999999");
    }

    @Test
    void anAdminStartsACampaignFromATask() throws Exception {
        Map<String, Long> ids = seed();

        HttpResponse<String> created = post("/api/v1/campaigns", admin, "{\"name\": \"More like Target!\","
                + " \"exemplarTaskIds\": [" + ids.get("target") + "], \"threshold\": 0.7, \"budget\": 40,"
                + " \"until\": \"2030-01-01T00:00:00Z\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("id").asText()).isEqualTo("more-like-target");
        assertThat(published).hasSize(1);
        Campaign campaign = published.get(0);
        assertThat(campaign.getId()).isEqualTo("more-like-target");
        assertThat(campaign.getState()).isEqualTo(CampaignState.CAMPAIGN_STATE_ACTIVE);
        assertThat(campaign.getThreshold()).isEqualTo(0.7);
        assertThat(campaign.getBudget()).isEqualTo(40);
        assertThat(campaign.getEndTimeMs()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli());
        assertThat(campaign.getExemplars(0).getFrameId()).isEqualTo("target");
        assertThat(campaign.getExemplars(0).getEmbeddingList()).containsExactly(1f, 0f);
        assertThat(campaign.getExemplars(0).getModelVersion()).isEqualTo("7");
        // mean of the 2-float embeddings: target (1,0), near (0.8,0.6), middle (0,1), opposite (-1,0)
        assertThat(campaign.getCenterList()).containsExactly(0.2f, 0.4f);
    }

    @Test
    void campaignsAreForAdminsAndNeedEmbeddedExemplars() throws Exception {
        Map<String, Long> ids = seed();
        String body = "{\"name\": \"x\", \"exemplarTaskIds\": [" + ids.get("target") + "]}";

        assertError(post("/api/v1/campaigns", alice, body), 403, "forbidden", "admins");
        assertError(post("/api/v1/campaigns", admin, "{\"name\": \"x\", \"exemplarTaskIds\": [" + ids.get("bare") + "]}"),
                422, "invalid", "no stored embedding");
        assertError(post("/api/v1/campaigns", admin, "{\"name\": \"x\", \"exemplarTaskIds\": []}"),
                422, "invalid", "exemplarTaskIds");
        assertThat(published).isEmpty();
    }

    @Test
    void withoutAPublisherStartingACampaignAnswers503SayingHowToEnableIt() throws Exception {
        Map<String, Long> ids = seed();
        server.close();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));

        assertError(post("/api/v1/campaigns", admin, "{\"name\": \"x\", \"exemplarTaskIds\": [" + ids.get("target") + "]}"),
                503, "campaigns_disabled", "--bootstrap-servers");
    }

    @Test
    void aBrokerThatFailsAnswers503() throws Exception {
        Map<String, Long> ids = seed();
        server.close();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0), campaign -> {
            throw new IllegalStateException("the broker at nowhere:9092 did not take it");
        });

        assertError(post("/api/v1/campaigns", admin, "{\"name\": \"x\", \"exemplarTaskIds\": [" + ids.get("target") + "]}"),
                503, "campaigns_unavailable", "nowhere:9092");
    }

    /** Hand-made embeddings whose cosine to target (1, 0) is known: 0.8, 0, -1. */
    private Map<String, Long> seed() throws SQLException {
        store.insert(withEmbedding("target", 1f, 0f));
        store.insert(withEmbedding("opposite", -1f, 0f));
        store.insert(withEmbedding("near", 0.8f, 0.6f));
        store.insert(withEmbedding("middle", 0f, 1f));
        store.insert(withEmbedding("other-length", 1f, 0f, 0f));
        store.insert(EdgeCases.edgeCase("bare", 0.5));
        return Map.of("target", id("target"), "bare", id("bare"), "near", id("near"));
    }

    private static EdgeCase withEmbedding(String frameId, float... embedding) {
        EdgeCase edgeCase = EdgeCases.edgeCase(frameId, 0.5);
        var scored = edgeCase.getScored().toBuilder();
        for (float value : embedding) {
            scored.addEmbedding(value);
        }
        return edgeCase.toBuilder().setScored(scored).build();
    }

    private long id(String frameId) throws SQLException {
        return Long.parseLong(text("SELECT task_id FROM edge_case_tasks WHERE frame_id = '" + frameId + "'"));
    }

    private String text(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET().header("Authorization", "Bearer " + token).build());
    }

    private HttpResponse<String> post(String path, String token, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
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
