package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.retrain.ModelRegistry;
import io.gleaner.retrain.artifact.FolderArtifactStore;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gleaner models} against a real PostgreSQL and a real broker: list, promote a candidate,
 * roll back, each change announced on {@code model-updates}, and lineage of a seed.
 */
class ModelsCommandIT {
    @TempDir static Path dataDir;
    private static EmbeddedDatabase database;
    private static EmbeddedKafka kafka;
    private static DatabaseEndpoint endpoint;
    private static Path modelsDir;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        database = EmbeddedDatabase.start(dataDir.resolve("pg"));
        endpoint = database.endpoint();
        Migrations.migrate(endpoint.dataSource());
        kafka = EmbeddedKafka.start(dataDir.resolve("kafka"));
        TopicAdmin.createMissing(kafka.bootstrapServers(), 1, (short) 1);
        modelsDir = dataDir.resolve("models");
        ModelRegistry registry = new ModelRegistry(endpoint.dataSource(), ModelSpec.DEFAULT_MODEL_NAME);
        FolderArtifactStore store = new FolderArtifactStore(modelsDir);
        try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(Scenario.labels()), 3L)) {
            for (int version = 1; version <= 2; version++) {
                String key = ModelSpec.DEFAULT_MODEL_NAME + "/v" + version;
                ModelArtifact staged = model.save(store.stage(key), Integer.toString(version),
                        version == 1 ? "" : "1", "test", Map.of("action_mae", 0.5 / version));
                URI uri = store.put(key, staged.dir());
                registry.registerCandidate(version, version == 1 ? OptionalInt.empty() : OptionalInt.of(1),
                        new ModelArtifact(store.open(uri), staged.manifest(), staged.sha256(), uri));
            }
        }
        registry.promote(1, "bootstrap", "seed");
    }

    @AfterAll
    static void stop() {
        kafka.close();
        database.close();
    }

    @Test
    void anAdminListsPromotesAndRollsBackAndEachChangeIsAnnounced() {
        assertThat(run("models", "list")).containsPattern("v1 +live +- ")
                .containsPattern("v2 +candidate +v1 .*action_mae=0.2500");

        assertThat(run("models", "promote", "v2", "--reason", "looks good", "--by", "lead",
                "--models-dir", modelsDir.toString())).contains(ModelSpec.DEFAULT_MODEL_NAME + " v2 is live");
        assertThat(run("models", "list")).containsPattern("v1 +retired").containsPattern("v2 +live");

        assertThat(run("models", "rollback", "--reason", "worse at night", "--by", "lead",
                "--models-dir", modelsDir.toString())).contains("back to v1");
        assertThat(run("models", "list")).containsPattern("v1 +live").containsPattern("v2 +rejected");

        assertThat(announcedVersions(2)).containsExactly("2", "1");
        assertThat(run("models", "lineage", "--version", "1")).contains("v1 (live, parent -): trained on 0 labels");
    }

    private static List<String> announcedVersions(int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        List<String> versions = new ArrayList<>();
        try (KafkaConsumer<String, ModelUpdate> consumer = new KafkaConsumer<>(props,
                Topics.MODEL_UPDATES.keySerde().deserializer(), Topics.MODEL_UPDATES.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODEL_UPDATES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (versions.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> versions.add(r.value().getVersion()));
            }
        }
        return versions;
    }

    /** Runs the CLI against the embedded database and broker and returns what it printed. */
    private static String run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--db-url", endpoint.jdbcUrl(), "--db-user", endpoint.user(),
                "--bootstrap-servers", kafka.bootstrapServers()));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new GleanerCommand()).execute(all.toArray(String[]::new));
            assertThat(exit).as(captured.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
