package io.gleaner.it;

import io.gleaner.app.infra.DatabaseEndpoint;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The real Kafka broker and PostgreSQL server every integration test runs on. Use it with
 * {@code @ExtendWith(GleanerInfrastructure.class)} and take an {@link Infrastructure} parameter
 * (in a {@code @BeforeAll}, a {@code @Test} or a constructor).
 *
 * <p>The broker and the server start once per test JVM, on first use, and stop when the JVM's
 * tests are done (they live in the root store, which closes {@link AutoCloseable} values).
 * Each test class gets its own database on that server, dropped after the class.
 *
 * <p>Backends, chosen once and logged: PostgreSQL from {@code GLEANER_IT_DB_URL} (+
 * {@code _USER}, {@code _PASSWORD}) when set, else a Testcontainers container when a Docker
 * engine answers, else the embedded server of the {@code app} module; Kafka from a Testcontainers
 * KRaft container when Docker answers, else the embedded KRaft broker. The tests are the same.
 */
public final class GleanerInfrastructure implements ParameterResolver {
    private static final Logger LOG = LoggerFactory.getLogger(GleanerInfrastructure.class);
    private static final Namespace NAMESPACE = Namespace.create(GleanerInfrastructure.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Infrastructure.class;
    }

    @Override
    public Infrastructure resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Servers servers = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Servers.class, key -> Servers.start(), Servers.class);
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent()) {
            classContext = classContext.getParent().orElseThrow();
        }
        String testClass = classContext.getRequiredTestClass().getSimpleName();
        ClassDatabase database = classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent(ClassDatabase.class, key -> ClassDatabase.create(servers, testClass),
                        ClassDatabase.class);
        return new Infrastructure(servers.kafka.bootstrapServers(), database.endpoint);
    }

    /** The broker and the server of the whole test JVM. */
    private static final class Servers implements AutoCloseable {
        private final KafkaBroker kafka;
        private final PostgresServer postgres;

        private Servers(KafkaBroker kafka, PostgresServer postgres) {
            this.kafka = kafka;
            this.postgres = postgres;
        }

        static Servers start() {
            boolean docker = dockerAvailable();
            try {
                PostgresServer postgres = PostgresServer.start(docker);
                LOG.info("integration-test PostgreSQL: {}", postgres.backend());
                try {
                    KafkaBroker kafka = KafkaBroker.start(docker);
                    LOG.info("integration-test Kafka: {} at {}", kafka.backend(), kafka.bootstrapServers());
                    return new Servers(kafka, postgres);
                } catch (Exception | Error e) {
                    postgres.close();
                    throw e;
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not start the integration-test infrastructure: " + e, e);
            }
        }

        private static boolean dockerAvailable() {
            try {
                // Logs an ERROR about /var/run/docker.sock when there is no engine; that is expected here.
                return DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                LOG.info("no Docker engine ({}); using the embedded servers", e.toString());
                return false;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                kafka.close();
            } finally {
                postgres.close();
            }
        }
    }

    /** One test class's database; dropped when the class is done. */
    private static final class ClassDatabase implements AutoCloseable {
        private final PostgresServer server;
        private final DatabaseEndpoint endpoint;

        private ClassDatabase(PostgresServer server, DatabaseEndpoint endpoint) {
            this.server = server;
            this.endpoint = endpoint;
        }

        static ClassDatabase create(Servers servers, String testClass) {
            DatabaseEndpoint endpoint = servers.postgres.createDatabase();
            LOG.info("{} uses database {}", testClass, endpoint.jdbcUrl());
            return new ClassDatabase(servers.postgres, endpoint);
        }

        @Override
        public void close() {
            server.dropDatabase(endpoint);
        }
    }
}
