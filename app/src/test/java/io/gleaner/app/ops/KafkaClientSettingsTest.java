package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.app.ConnectionOptions;
import io.gleaner.app.StreamsStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KafkaClientSettingsTest {
    @TempDir
    Path folder;

    @Test
    void environmentVariablesBecomeKafkaPropertiesAndTheFileVariableIsNotOne() {
        Map<String, String> settings = KafkaClientSettings.fromEnvironment(Map.of(
                "GLEANER_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "GLEANER_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.p12",
                "GLEANER_KAFKA_CONFIG", "/etc/gleaner/kafka.properties",
                "GLEANER_KAFKA_", "ignored",
                "GLEANER_DB_PASSWORD", "not-kafka",
                "PATH", "/usr/bin"));

        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "ssl.truststore.location", "/etc/kafka/truststore.p12"));
    }

    @Test
    void theEnvironmentWinsOverTheFileAndBothReachEveryClientsProperties() throws Exception {
        Path file = folder.resolve("kafka.properties");
        Files.writeString(file, """
                security.protocol=SSL
                sasl.mechanism = SCRAM-SHA-512
                ssl.truststore.location=/etc/kafka/truststore.p12
                """);

        KafkaClientSettings kafka = KafkaClientSettings.load("broker-1:9093,broker-2:9093", file,
                Map.of("GLEANER_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));
        Properties streams = StreamsStage.properties("gleaner-test", kafka, folder, true);

        assertThat(kafka.properties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "broker-1:9093,broker-2:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "ssl.truststore.location", "/etc/kafka/truststore.p12"));
        assertThat(streams)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker-1:9093,broker-2:9093")
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void aMissingFileOrASecondBootstrapSettingIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> KafkaClientSettings.load("b:9092", folder.resolve("absent.properties"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent.properties").hasMessageContaining("--kafka-config");
        assertThatThrownBy(() -> KafkaClientSettings.load("b:9092", null,
                Map.of("GLEANER_KAFKA_BOOTSTRAP_SERVERS", "other:9092")))
                .hasMessageContaining("--bootstrap-servers");
        assertThatThrownBy(() -> KafkaClientSettings.plaintext(" ")).hasMessageContaining("--bootstrap-servers");
    }

    @Test
    void theKafkaConfigFlagIsReadByEveryRole() throws Exception {
        Path file = folder.resolve("kafka.properties");
        Files.writeString(file, "security.protocol=SSL\n");
        ConnectionOptions connection = new ConnectionOptions();
        new CommandLine(connection).parseArgs("--bootstrap-servers", "b:9093", "--kafka-config", file.toString());

        assertThat(connection.kafka().clientSettings()).containsEntry("security.protocol", "SSL");
        assertThat(connection.kafka().bootstrapServers()).isEqualTo("b:9093");
    }
}
