package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.infra.DatabaseEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Secrets come from the environment and are never shown: not by toString, not in log output. */
class SecretMaskingTest {
    private static final String JAAS_SECRET = "jaas-s3cret-4711";
    private static final String KEYSTORE_SECRET = "keystore-s3cret-4712";
    private static final String KEY_SECRET = "key-s3cret-4713";
    private static final String DB_SECRET = "db-s3cret-4714";

    private static final Map<String, String> PRODUCTION_ENVIRONMENT = Map.of(
            "GLEANER_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
            "GLEANER_KAFKA_SASL_MECHANISM", "PLAIN",
            "GLEANER_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"gleaner\" password=\"" + JAAS_SECRET + "\";",
            "GLEANER_KAFKA_SSL_KEYSTORE_PASSWORD", KEYSTORE_SECRET,
            "GLEANER_KAFKA_SSL_KEY_PASSWORD", KEY_SECRET);

    @Test
    void secretKeysAreRecognised() {
        assertThat(SecretMasking.isSecret("sasl.jaas.config")).isTrue();
        assertThat(SecretMasking.isSecret("ssl.keystore.password")).isTrue();
        assertThat(SecretMasking.isSecret("ssl.truststore.password")).isTrue();
        assertThat(SecretMasking.isSecret("sasl.oauthbearer.client.credentials.client.secret")).isTrue();
        assertThat(SecretMasking.isSecret("ssl.keystore.key")).isTrue();
        assertThat(SecretMasking.isSecret("security.protocol")).isFalse();
        assertThat(SecretMasking.isSecret("ssl.truststore.location")).isFalse();
    }

    @Test
    void toStringOfTheConfigObjectsMasksEverySecret() {
        KafkaClientSettings kafka = KafkaClientSettings.load("broker:9093", null, PRODUCTION_ENVIRONMENT);
        DatabaseEndpoint database = new DatabaseEndpoint("jdbc:postgresql://db:5432/gleaner", "gleaner", DB_SECRET);

        assertThat(kafka.toString())
                .doesNotContain(JAAS_SECRET, KEYSTORE_SECRET, KEY_SECRET)
                .contains("sasl.jaas.config=" + SecretMasking.MASK, "security.protocol=SASL_PLAINTEXT");
        assertThat(database.toString()).doesNotContain(DB_SECRET).contains("password=" + SecretMasking.MASK);
        assertThat(new DatabaseEndpoint("jdbc:postgresql://db/g", "u", "").toString()).endsWith("password=]");
    }

    @Test
    void neitherTheAppsLogLineNorKafkasLoggedClientConfigShowsTheSecrets() {
        KafkaClientSettings kafka = KafkaClientSettings.load("127.0.0.1:1", null, PRODUCTION_ENVIRONMENT);
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            // The line every role logs at start (RoleCommands.runStage).
            LoggerFactory.getLogger("io.gleaner.app.RoleCommands").info("score: Kafka clients use {}", kafka);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        // What a Kafka client logs at INFO when it is made ("ProducerConfig values: ..."): each value's toString.
        String clientConfig = new ProducerConfig(withSerializers(kafka.properties())).values().toString();

        assertThat(log).contains("Kafka clients use", "sasl.jaas.config").doesNotContain(JAAS_SECRET, KEYSTORE_SECRET,
                KEY_SECRET);
        assertThat(clientConfig).contains("sasl.jaas.config", "ssl.keystore.password")
                .doesNotContain(JAAS_SECRET, KEYSTORE_SECRET, KEY_SECRET);
    }

    private static Properties withSerializers(Properties props) {
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }
}
