package io.gleaner.app;

import io.gleaner.app.infra.DatabaseEndpoint;
import picocli.CommandLine.Option;

/** Where the broker and the database are; flags win over the environment. */
public final class ConnectionOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:GLEANER_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env GLEANER_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

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

    public DatabaseEndpoint database() {
        return new DatabaseEndpoint(dbUrl, dbUser, dbPassword);
    }
}
