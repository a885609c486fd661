package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsEndpointTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    private static HttpResponse<String> get(OpsEndpoint endpoint, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port().orElseThrow() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ingestCountersMoveByWhatTheTopologyDidAndCarryTheRole() throws Exception {
        IngestMetrics metrics = new IngestMetrics();
        StreamsBuilder builder = new StreamsBuilder();
        IngestTopology.build(builder, IngestConfig.defaults(), metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, IngestTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        List<FrameEvent> frames = new FleetSimulator(SimulatorConfig.defaults()).next(3).stream()
                .map(simulated -> simulated.event()).toList();

        try (OpsEndpoint endpoint = OpsEndpoint.open("ingest-stream", OpsConfig.anyPort());
             TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            endpoint.bind(new IngestMeters(metrics));
            TestInputTopic<byte[], byte[]> raw = driver.createInputTopic(Topics.FRAMES_RAW.name(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            for (FrameEvent frame : frames) {
                raw.pipeInput(frame.getVehicleId().getBytes(StandardCharsets.UTF_8), frame.toByteArray());
            }
            raw.pipeInput("v".getBytes(StandardCharsets.UTF_8), new byte[0]);
            raw.pipeInput("v".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});

            HttpResponse<String> response = get(endpoint, OpsEndpoint.METRICS);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
            assertThat(response.body())
                    .contains("gleaner_frames_in_total{role=\"ingest-stream\"} 5.0")
                    .contains("gleaner_frames_out_total{role=\"ingest-stream\"} 3.0")
                    .contains("gleaner_dlq_records_total{reason=\"empty-message\",role=\"ingest-stream\"} 1.0")
                    .contains("gleaner_dlq_records_total{reason=\"unparseable-protobuf\",role=\"ingest-stream\"} 1.0")
                    .contains("gleaner_dlq_records_total{reason=\"image-too-large\",role=\"ingest-stream\"} 0.0")
                    .contains("gleaner_ingest_decode_seconds_count{role=\"ingest-stream\"} 3")
                    .contains("jvm_memory_used_bytes")
                    .contains("process_uptime_seconds");
        }
    }

    @Test
    void healthIs503WithTheStateWhileTheStreamsAppIsNotRunningAndOtherRoutesAreRefused() throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ops-endpoint-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             OpsEndpoint endpoint = OpsEndpoint.open("select", OpsConfig.anyPort())) {
            endpoint.watch(streams);
            endpoint.addHealthCheck("model", () -> HealthCheck.Result.up(Map.of("model_version", "7")));

            HttpResponse<String> health = get(endpoint, OpsEndpoint.HEALTH);
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("{\"role\":\"select\",\"status\":\"DOWN\",\"checks\":{"
                    + "\"kafka_streams\":{\"status\":\"DOWN\",\"state\":\"CREATED\"},"
                    + "\"model\":{\"status\":\"UP\",\"model_version\":\"7\"}}}");
            assertThat(get(endpoint, OpsEndpoint.METRICS).body())
                    .contains("gleaner_streams_running{role=\"select\"} 0.0")
                    .contains("gleaner_consumer_lag_records{role=\"select\"} 0.0");
            assertThat(get(endpoint, "/api/v1/tasks").statusCode()).isEqualTo(404);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port().orElseThrow()
                            + OpsEndpoint.HEALTH)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        }
    }

    @Test
    void healthIs200WhenEveryCheckIsUp() throws Exception {
        try (OpsEndpoint endpoint = OpsEndpoint.open("serve", OpsConfig.anyPort())) {
            endpoint.addHealthCheck("database", () -> HealthCheck.Result.up(Map.of()));

            HttpResponse<String> health = get(endpoint, OpsEndpoint.HEALTH);

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo(
                    "{\"role\":\"serve\",\"status\":\"UP\",\"checks\":{\"database\":{\"status\":\"UP\"}}}");
        }
    }

    @Test
    void aTakenPortFailsNamingTheFlagAndOffOpensNone() {
        try (OpsEndpoint first = OpsEndpoint.open("score", OpsConfig.anyPort());
             OpsEndpoint off = OpsEndpoint.open("score", OpsConfig.off())) {
            assertThat(off.port()).isEmpty();
            assertThat(off.scrape()).contains("role=\"score\"");
            assertThatThrownBy(() -> OpsEndpoint.open("score", new OpsConfig("127.0.0.1", first.port().orElseThrow())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("--metrics-port");
        }
    }

    @Test
    void configRefusesPortsOutOfRange() {
        assertThatThrownBy(() -> new OpsConfig("127.0.0.1", 70_000)).hasMessageContaining("--metrics-port");
        assertThatThrownBy(() -> new OpsConfig("127.0.0.1", -2)).hasMessageContaining("-1 for none");
        assertThat(OpsConfig.defaults().port()).isEqualTo(9464);
    }
}
