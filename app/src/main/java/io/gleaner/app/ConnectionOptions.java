package io.gleaner.app;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.ops.KafkaClientSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the broker and the database are, and how to reach the broker securely; flags win over the environment. */
public final class ConnectionOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:GLEANER_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env GLEANER_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:GLEANER_KAFKA_CONFIG}",
            description = "Java properties file of Kafka client settings for every client of this process, e.g."
                    + " security.protocol=SASL_SSL, ssl.truststore.location, sasl.mechanism (env GLEANER_KAFKA_CONFIG)."
                    + " Each setting can also come from env GLEANER_KAFKA_<PROPERTY> (GLEANER_KAFKA_SASL_JAAS_CONFIG is"
                    + " sasl.jaas.config), which wins over the file; keep secrets there, not in flags.")
    Path kafkaConfig;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
            defaultValue = "${env:GLEANER_DB_URL:-jdbc:postgresql://localhost:5432/gleaner}",
            description = "PostgreSQL JDBC URL (env GLEANER_DB_URL; default ${DEFAULT-VALUE}).")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:GLEANER_DB_USER:-gleaner}",
            description = "Database user (env GLEANER_DB_USER; default ${DEFAULT-VALUE}).")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "${env:GLEANER_DB_PASSWORD:-}", arity = "0..1",
            description = "Database password (env GLEANER_DB_PASSWORD; prefer the environment: flags show in ps).")
    String dbPassword;

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The bootstrap servers with the settings of {@code --kafka-config} and the {@code GLEANER_KAFKA_*} environment. */
    public KafkaClientSettings kafka() {
        return KafkaClientSettings.load(bootstrapServers, kafkaConfig, System.getenv());
    }

    public DatabaseEndpoint database() {
        return new DatabaseEndpoint(dbUrl, dbUser, dbPassword);
    }
}
