package io.gleaner.app.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * What every Kafka client of the app (Streams, producers, consumers, admin) is built from: the
 * bootstrap servers plus pass-through client settings for production, such as TLS and SASL
 * ({@code security.protocol}, {@code ssl.truststore.location}, {@code sasl.mechanism},
 * {@code sasl.jaas.config}). {@link #toString()} masks secret values ({@link SecretMasking}).
 *
 * <p>Settings come from a Java properties file ({@code --kafka-config}) and from environment
 * variables {@code GLEANER_KAFKA_<PROPERTY>}, the property upper-cased with dots as underscores
 * ({@code GLEANER_KAFKA_SECURITY_PROTOCOL=SASL_SSL} is {@code security.protocol=SASL_SSL}); the
 * environment wins over the file. Secrets belong in the environment (or a file only the role's
 * user can read), never on the command line.
 *
 * @param bootstrapServers {@code host:port[,...]}
 * @param clientSettings Kafka client settings added to every client's configuration
 */
public record KafkaClientSettings(String bootstrapServers, Map<String, String> clientSettings) {
    /** Environment variables with this prefix are Kafka client settings. */
    public static final String ENV_PREFIX = "GLEANER_KAFKA_";
    /** The one {@code GLEANER_KAFKA_*} variable that is not a setting: the settings file's path. */
    public static final String CONFIG_FILE_ENV = "GLEANER_KAFKA_CONFIG";

    public KafkaClientSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers are empty; give --bootstrap-servers HOST:PORT"
                    + " (or GLEANER_BOOTSTRAP_SERVERS)");
        }
        Map<String, String> copy = new TreeMap<>(clientSettings == null ? Map.of() : clientSettings);
        if (copy.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("bootstrap.servers is set among the Kafka client settings; give it with"
                    + " --bootstrap-servers (or GLEANER_BOOTSTRAP_SERVERS) instead, so there is one place for it");
        }
        clientSettings = Collections.unmodifiableMap(copy);
    }

    /** A plaintext connection to {@code bootstrapServers} with no extra settings (tests, the demo's embedded broker). */
    public static KafkaClientSettings plaintext(String bootstrapServers) {
        return new KafkaClientSettings(bootstrapServers, Map.of());
    }

    /**
     * The settings from {@code file} (when not null) and then from {@code environment}'s
     * {@code GLEANER_KAFKA_*} variables, which win.
     *
     * @throws IllegalArgumentException when the file cannot be read, naming it
     */
    public static KafkaClientSettings load(String bootstrapServers, Path file, Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        if (file != null) {
            settings.putAll(readFile(file));
        }
        settings.putAll(fromEnvironment(environment));
        return new KafkaClientSettings(bootstrapServers, settings);
    }

    /** The Kafka settings among {@code environment}'s variables: {@code GLEANER_KAFKA_SASL_MECHANISM} is {@code sasl.mechanism}. */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && !name.equals(CONFIG_FILE_ENV) && name.length() > ENV_PREFIX.length()) {
                settings.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return settings;
    }

    private static Map<String, String> readFile(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Kafka client settings file " + file + " ("
                    + e.getMessage() + "); give a readable Java properties file to --kafka-config", e);
        }
        Map<String, String> settings = new TreeMap<>();
        props.stringPropertyNames().forEach(key -> settings.put(key.trim(), props.getProperty(key).trim()));
        return settings;
    }

    /** A new, mutable configuration for one client: the bootstrap servers and the client settings. */
    public Properties properties() {
        Properties props = new Properties();
        props.putAll(clientSettings);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** The same as {@link #properties()}, as a map (for the admin client and the like). */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new TreeMap<>(clientSettings);
        map.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return map;
    }

    /** Bootstrap servers and settings, secret values masked: safe to log. */
    @Override
    public String toString() {
        return "KafkaClientSettings{bootstrapServers=" + bootstrapServers + ", clientSettings="
                + SecretMasking.shown(clientSettings) + "}";
    }
}
