package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.queue.TaskQueue;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.uncertainty.SelectionMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * compose/'s monitoring files agree with the app: the dashboard only queries series the roles
 * export, and Prometheus scrapes every role compose runs with an ops port. (The YAML was also
 * checked by hand with python3's yaml parser; there is no Docker engine here to run it.)
 */
class MonitoringDefinitionsTest {
    private static final Path COMPOSE = Path.of("..", "compose");
    private static final Pattern GLEANER_SERIES = Pattern.compile("\\bgleaner_[a-z0-9_]+");

    @TempDir
    Path stateDir;

    @Test
    void everyGleanerSeriesTheDashboardQueriesIsExported() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(COMPOSE.resolve("grafana/dashboards/gleaner.json").toFile());
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.get("datasource").get("uid").asText()).isEqualTo("gleaner-prometheus");
                Matcher matcher = GLEANER_SERIES.matcher(target.get("expr").asText());
                while (matcher.find()) {
                    queried.add(matcher.group());
                }
            }
        }
        Set<String> exported = exportedSeries();
        // Appears with its first harvest: one counter per trigger name, registered before each scrape.
        exported.add("gleaner_harvest_triggers_total");

        assertThat(queried).hasSizeGreaterThan(10);
        assertThat(exported).containsAll(queried);
    }

    @Test
    void prometheusScrapesEveryRoleThatHasAnOpsPort() throws Exception {
        String compose = Files.readString(COMPOSE.resolve("docker-compose.yml"));
        String prometheus = Files.readString(COMPOSE.resolve("prometheus/prometheus.yml"));
        Matcher roles = Pattern.compile("(?m)^  ([a-z-]+):[^\\n]*\\n(?:    .*\\n)*?    healthcheck: \\*ops-healthcheck")
                .matcher(compose);
        Set<String> withOpsPort = new TreeSet<>();
        while (roles.find()) {
            withOpsPort.add(roles.group(1));
        }

        assertThat(withOpsPort).containsExactlyInAnyOrder("ingest-stream", "score", "select", "queue-sink",
                "feedback-relay", "retrain", "serve");
        for (String role : withOpsPort) {
            assertThat(prometheus).as(role).contains("- " + role + ":" + OpsConfig.DEFAULT_PORT + "\n");
        }
    }

    private Set<String> exportedSeries() {
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setURL("jdbc:postgresql://127.0.0.1:1/gleaner");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitoring-definitions-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        try (ModelHolder holder = new ModelHolder();
             KafkaStreams streams = new KafkaStreams(builder.build(), props);
             OpsEndpoint endpoint = OpsEndpoint.open("all", OpsConfig.off())) {
            endpoint.bind(new IngestMeters(new IngestMetrics()));
            endpoint.bind(new ScorerMeters(new ScorerMetrics(holder)));
            endpoint.bind(new SelectionMeters(new SelectionMetrics()));
            endpoint.bind(new QueueBatchMeters(new TaskQueue(nowhere)));
            endpoint.bind(new DatabaseGauges(nowhere, EnumSet.allOf(DatabaseGauges.Reading.class), "driving",
                    Duration.ofHours(1)));
            endpoint.watch(streams);
            Set<String> names = new TreeSet<>();
            endpoint.scrape().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                    .map(line -> line.split("[{ ]", 2)[0])
                    .forEach(names::add);
            return names;
        }
    }
}
