package io.gleaner.it;

import io.gleaner.app.infra.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.kafka.KafkaContainer;

/** The test JVM's Kafka broker: a KRaft container when Docker is there, else the embedded broker. */
final class KafkaBroker implements AutoCloseable {
    static final String IMAGE = "apache/kafka:4.1.0";

    private final String bootstrapServers;
    private final String backend;
    private final AutoCloseable stop;

    private KafkaBroker(String bootstrapServers, String backend, AutoCloseable stop) {
        this.bootstrapServers = bootstrapServers;
        this.backend = backend;
        this.stop = stop;
    }

    static KafkaBroker start(boolean dockerAvailable) throws IOException {
        if (dockerAvailable) {
            KafkaContainer container = new KafkaContainer(IMAGE)
                    // Topics are created by TopicAdmin, as in production; a typo must not create one.
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
            container.start();
            return new KafkaBroker(container.getBootstrapServers(),
                    "Testcontainers " + IMAGE, container::stop);
        }
        Path logDir = Files.createTempDirectory("gleaner-it-kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(logDir);
        return new KafkaBroker(kafka.bootstrapServers(), "embedded KRaft broker (no Docker engine), logs in " + logDir,
                () -> {
                    kafka.close();
                    ScratchFolder.delete(logDir);
                });
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    String backend() {
        return backend;
    }

    @Override
    public void close() throws Exception {
        stop.close();
    }
}
