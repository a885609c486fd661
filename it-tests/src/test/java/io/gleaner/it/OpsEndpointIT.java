package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.app.ops.DatabaseGauges;
import io.gleaner.app.ops.IngestMeters;
import io.gleaner.app.ops.OpsConfig;
import io.gleaner.app.ops.OpsEndpoint;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.queue.Label;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.api.QueueApiServer;
import io.gleaner.queue.api.ServeConfig;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.ModelSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, Operations: a real Streams role (ingest-stream) and the serve API, each with its ops
 * port, on a real broker and PostgreSQL. Scraping {@code /metrics} shows the counters moved by
 * exactly what was sent, the queue gauges show what is in the database, neither route needs a
 * token, and {@code /health} turns 503 once the stage is not running.
 */
@ExtendWith(GleanerInfrastructure.class)
class OpsEndpointIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int GOOD_FRAMES = 40;
    private static final int EMPTY_RECORDS = 3;
    private static final int GARBAGE_RECORDS = 2;
    private static final Duration TIMEOUT = Duration.ofSeconds(45);

    @TempDir
    Path stateRoot;

    @Test
    void ingestStreamsCountersMoveByWhatWasSentAndHealthTurns503WhenTheStageStops(Infrastructure infrastructure)
            throws Exception {
        String bootstrap = infrastructure.kafkaBootstrapServers();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        // An application id of its own, starting at the topic's end: other tests' frames on the shared
        // broker are not counted.
        String applicationId = "gleaner-ops-it-" + UUID.randomUUID().toString().substring(0, 8);
        Properties props = StreamsStage.properties(applicationId, bootstrap, stateRoot, true);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "latest");
        IngestMetrics metrics = new IngestMetrics();
        AtomicReference<KafkaStreams> streams = new AtomicReference<>();

        try (OpsEndpoint ops = OpsEndpoint.open("ingest-stream", OpsConfig.anyPort())) {
            ops.bind(new IngestMeters(metrics));
            StreamsStage stage = StreamsStage.start(applicationId, props,
                    builder -> IngestTopology.build(builder, IngestConfig.defaults(), metrics), TIMEOUT,
                    created -> {
                        streams.set(created);
                        ops.watch(created);
                    });
            try (stage) {
                // Positions are known once a lag is reported for every input partition: nothing sent from now
                // on is skipped.
                await("the stage's consumer positioned on frames.raw").atMost(TIMEOUT)
                        .until(() -> assignedPartitions(streams.get()) > 0
                                && lagPartitions(streams.get()) == assignedPartitions(streams.get()));
                assertThat(health(ops).statusCode()).isEqualTo(200);

                publish(bootstrap, applicationId);
                await("every record sent counted").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                        .until(() -> sample(metrics(ops), "gleaner_frames_in_total{role=\"ingest-stream\"}")
                                >= GOOD_FRAMES + EMPTY_RECORDS + GARBAGE_RECORDS);

                String scraped = metrics(ops);
                assertThat(sample(scraped, "gleaner_frames_in_total{role=\"ingest-stream\"}"))
                        .isEqualTo(GOOD_FRAMES + EMPTY_RECORDS + GARBAGE_RECORDS);
                assertThat(sample(scraped, "gleaner_frames_out_total{role=\"ingest-stream\"}")).isEqualTo(GOOD_FRAMES);
                assertThat(sample(scraped,
                        "gleaner_dlq_records_total{reason=\"empty-message\",role=\"ingest-stream\"}"))
                        .isEqualTo(EMPTY_RECORDS);
                assertThat(sample(scraped,
                        "gleaner_dlq_records_total{reason=\"unparseable-protobuf\",role=\"ingest-stream\"}"))
                        .isEqualTo(GARBAGE_RECORDS);
                assertThat(sample(scraped, "gleaner_ingest_duplicates_total{role=\"ingest-stream\"}")).isZero();
                assertThat(sample(scraped, "gleaner_streams_running{role=\"ingest-stream\"}")).isEqualTo(1);
                await("consumer lag back to 0").atMost(TIMEOUT)
                        .until(() -> sample(metrics(ops), "gleaner_consumer_lag_records{role=\"ingest-stream\"}") == 0);
                HttpResponse<String> healthy = health(ops);
                assertThat(healthy.statusCode()).isEqualTo(200);
                assertThat(healthy.body()).contains("\"kafka_streams\":{\"status\":\"UP\",\"state\":\"RUNNING\"}");
            }

            HttpResponse<String> stopped = health(ops);
            assertThat(stopped.statusCode()).isEqualTo(503);
            assertThat(stopped.body()).contains("\"status\":\"DOWN\"").contains("\"state\":\"NOT_RUNNING\"");
            assertThat(sample(metrics(ops), "gleaner_streams_running{role=\"ingest-stream\"}")).isZero();
        }
    }

    @Test
    void serveExposesQueueDepthAndLabelsPerHourOnItsOpsPortWithoutAToken(Infrastructure infrastructure)
            throws Exception {
        DataSource dataSource = infrastructure.database().dataSource();
        Migrations.migrate(dataSource);
        TaskStore store = new TaskStore(dataSource);
        for (int i = 0; i < 5; i++) {
            store.insert(TestEdgeCases.edgeCase("ops-it-frame-" + i, "ops-it-vehicle", "entropy", 0.5 + i / 10.0));
        }
        TaskQueue queue = new TaskQueue(dataSource);
        queue.ensureLabeler("ops-it-labeler", "labeler");
        List<Task> claimed = queue.claim("ops-it-labeler", 2, Duration.ofMinutes(5));
        queue.submitLabel(claimed.get(0).taskId(), "ops-it-labeler", new Label("clear_road", 0.1f, 0.2f, ""));

        try (QueueApiServer server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));
             OpsEndpoint ops = OpsEndpoint.open("serve", OpsConfig.anyPort())) {
            DatabaseGauges.watch(ops, dataSource, EnumSet.allOf(DatabaseGauges.Reading.class),
                    Duration.ofMillis(300));

            await("the queue gauges read").atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> sample(metrics(ops), "gleaner_db_up{role=\"serve\"}") == 1);
            String scraped = metrics(ops);
            assertThat(sample(scraped, "gleaner_queue_tasks{role=\"serve\",state=\"pending\"}")).isEqualTo(3);
            assertThat(sample(scraped, "gleaner_queue_tasks{role=\"serve\",state=\"leased\"}")).isEqualTo(1);
            assertThat(sample(scraped, "gleaner_labels_last_hour{role=\"serve\"}")).isEqualTo(1);
            assertThat(sample(scraped,
                    "gleaner_retrain_runs{outcome=\"promoted\",role=\"serve\",trigger=\"new_labels\"}")).isZero();
            assertThat(sample(scraped, "gleaner_model_live_version{model=\"" + ModelSpec.DEFAULT_MODEL_NAME
                    + "\",role=\"serve\"}")).as("no model is live yet").isNaN();
            HttpResponse<String> health = health(ops);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).startsWith("{\"role\":\"serve\",\"status\":\"UP\"");
            HttpResponse<String> api = HTTP.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + QueueApiServer.API + "/tasks")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).as("the API itself still wants a token").isEqualTo(401);
        }
    }

    private static void publish(String bootstrap, String run) throws Exception {
        List<FrameEvent> frames = new FleetSimulator(SimulatorConfig.defaults()).next(GOOD_FRAMES).stream()
                .map(simulated -> simulated.event().toBuilder().setFrameId(run + "-" + simulated.event().getFrameId())
                        .build())
                .toList();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (FrameEvent frame : frames) {
                producer.send(record(frame.getVehicleId(), frame.toByteArray()));
            }
            for (int i = 0; i < EMPTY_RECORDS; i++) {
                producer.send(record(run + "-empty", new byte[0]));
            }
            for (int i = 0; i < GARBAGE_RECORDS; i++) {
                producer.send(record(run + "-garbage", new byte[] {1, 2, 3}));
            }
            producer.flush();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ProducerRecord<>(Topics.FRAMES_RAW.name(), key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static long assignedPartitions(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .filter(partition -> partition.topic().equals(Topics.FRAMES_RAW.name()))
                .count();
    }

    private static long lagPartitions(KafkaStreams streams) {
        return streams.metrics().keySet().stream()
                .filter(name -> name.name().equals("records-lag")
                        && Topics.FRAMES_RAW.name().equals(name.tags().get("topic")))
                .count();
    }

    private static String metrics(OpsEndpoint ops) throws Exception {
        HttpResponse<String> response = get(ops, OpsEndpoint.METRICS);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static HttpResponse<String> health(OpsEndpoint ops) throws Exception {
        return get(ops, OpsEndpoint.HEALTH);
    }

    private static HttpResponse<String> get(OpsEndpoint ops, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port().orElseThrow() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series in Prometheus text, e.g. {@code name{a="b"}}; fails when it is absent. */
    private static double sample(String scraped, String series) {
        return scraped.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(series + " not in the scrape"));
    }
}
