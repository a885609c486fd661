package io.gleaner.it;

import io.gleaner.ingest.sim.Scenario;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Stands in for the registry when a test runs the {@code score} role on its own: saves a randomly
 * initialised model of the default name and architecture and announces it on {@code model-updates}
 * as the live version, as the registry's bootstrap and every promotion do. Each
 * {@link #publishNext()} announces the next version, which running scorers hot-swap to.
 */
final class LiveModel {
    private final String bootstrapServers;
    private final Path artifactsDir;
    private int version;

    /** @param artifactsDir where the artifacts go, one folder per version; the scorers read them there */
    LiveModel(String bootstrapServers, Path artifactsDir) {
        this.bootstrapServers = bootstrapServers;
        this.artifactsDir = artifactsDir;
    }

    /** Saves and announces the next version (1, 2, ...: numbers, as the registry's are); returns it. */
    synchronized String publishNext() {
        String next = Integer.toString(++version);
        ModelArtifact artifact;
        try (DrivingModel model = DrivingModel.create(ModelSpec.defaults(Scenario.labels()), version)) {
            artifact = model.save(artifactsDir.resolve("v" + next), next, version == 1 ? "" : Integer.toString(version - 1),
                    DrivingModel.METHOD_RANDOM_INIT, Map.of());
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Producer<String, ModelUpdate> producer = new KafkaProducer<>(props,
                Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(), ModelSpec.DEFAULT_MODEL_NAME,
                    ModelUpdate.newBuilder().setModelName(ModelSpec.DEFAULT_MODEL_NAME).setVersion(next)
                            .setParentVersion(version == 1 ? "" : Integer.toString(version - 1))
                            .setArtifactUri(artifact.uri().toString()).setArtifactSha256(artifact.sha256()).build()))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while announcing model version " + next, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not announce model version " + next + " on "
                    + Topics.MODEL_UPDATES.name() + ": " + e.getCause(), e.getCause());
        }
        return next;
    }
}
