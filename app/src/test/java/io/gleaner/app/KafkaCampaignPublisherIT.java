package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.api.ApiTokens;
import io.gleaner.queue.api.QueueApiServer;
import io.gleaner.queue.api.ServeConfig;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/campaigns} end to end as {@code gleaner serve --bootstrap-servers} wires it: the
 * queue's API on a real PostgreSQL, the {@link KafkaCampaignPublisher} on a real embedded broker, and
 * the campaign read back from the {@code campaigns} topic the way {@code gleaner campaign list} reads it.
 */
class KafkaCampaignPublisherIT {

    @Test
    void aCampaignStartedFromATaskLandsOnTheCampaignsTopic(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                EmbeddedDatabase database = EmbeddedDatabase.start(dir.resolve("pg"))) {
            TopicAdmin.createMissing(kafka.bootstrapServers(), 1, (short) 1);
            DataSource dataSource = database.endpoint().dataSource();
            Migrations.migrate(dataSource);
            TaskStore store = new TaskStore(dataSource);
            store.insert(edgeCase("kafka-frame-1", 0.6f, 0.8f));
            store.insert(edgeCase("kafka-frame-2", 0.8f, 0.6f));
            String admin = new ApiTokens(dataSource).create("root", "admin").token();
            HttpClient client = HttpClient.newHttpClient();

            try (KafkaCampaignPublisher publisher = new KafkaCampaignPublisher(kafka.bootstrapServers());
                    QueueApiServer server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0), publisher)) {
                HttpResponse<String> created = post(client, server, admin,
                        "{\"name\": \"Kafka frames\", \"exemplarTaskIds\": [1], \"threshold\": 0.75, \"budget\": 9}");
                HttpResponse<String> invalid = post(client, server, admin,
                        "{\"name\": \"too strict\", \"exemplarTaskIds\": [1], \"threshold\": 2}");

                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                assertThat(invalid.statusCode()).as("CampaignSpec refuses it before it is sent: " + invalid.body())
                        .isEqualTo(422);
            }

            Map<String, Campaign> campaigns = CampaignCommands.readAll(kafka.bootstrapServers());
            assertThat(campaigns).containsOnlyKeys("kafka-frames");
            Campaign campaign = campaigns.get("kafka-frames");
            assertThat(campaign.getState()).isEqualTo(CampaignState.CAMPAIGN_STATE_ACTIVE);
            assertThat(campaign.getThreshold()).isEqualTo(0.75);
            assertThat(campaign.getBudget()).isEqualTo(9);
            assertThat(campaign.getExemplars(0).getFrameId()).isEqualTo("kafka-frame-1");
            assertThat(campaign.getExemplars(0).getEmbeddingList()).containsExactly(0.6f, 0.8f);
            assertThat(campaign.getCenterList()).as("the mean of (0.6, 0.8) and (0.8, 0.6)")
                    .hasSize(2).allSatisfy(c -> assertThat(c).isCloseTo(0.7f, within(1e-6f)));
        }
    }

    private static HttpResponse<String> post(HttpClient client, QueueApiServer server, String token, String body)
            throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/campaigns"))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static EdgeCase edgeCase(String frameId, float... embedding) {
        FrameEvent frame = FrameEvent.newBuilder()
                .setFrameId(frameId).setVehicleId("vehicle-1").setCamera("front").setCaptureTimeMs(1_764_201_600_000L)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(8).setHeight(8)
                        .setChannels(3).setData(ByteString.copyFromUtf8("png-of-" + frameId)))
                .setHumanAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0.5f))
                .build();
        ScoredFrame.Builder scored = ScoredFrame.newBuilder().setFrame(frame).setModelVersion("3")
                .addSceneClasses("clear_road").addSceneProbabilities(0.6f)
                .addSceneClasses("debris").addSceneProbabilities(0.4f)
                .setPredictedAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0.5f));
        for (float value : embedding) {
            scored.addEmbedding(value);
        }
        return EdgeCase.newBuilder().setScored(scored)
                .addTriggers(Trigger.newBuilder().setName("entropy").setScore(0.9).setThreshold(0.6))
                .setPriority(1).setHarvestedTimeMs(1_764_201_601_000L).build();
    }
}
