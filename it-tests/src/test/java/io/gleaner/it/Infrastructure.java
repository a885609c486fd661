package io.gleaner.it;

import io.gleaner.app.infra.DatabaseEndpoint;
import java.util.Objects;

/**
 * What {@link GleanerInfrastructure} hands a test class: a Kafka broker shared by the whole test
 * JVM, and a database of the class's own on the JVM's PostgreSQL server (created empty before the
 * class's first test, dropped after its last), so that assertions over whole tables see only the
 * rows that class made.
 *
 * @param kafkaBootstrapServers {@code host:port} of the broker
 * @param database the test class's own database; not migrated yet
 */
public record Infrastructure(String kafkaBootstrapServers, DatabaseEndpoint database) {
    public Infrastructure {
        Objects.requireNonNull(kafkaBootstrapServers, "kafkaBootstrapServers");
        Objects.requireNonNull(database, "database");
    }
}
