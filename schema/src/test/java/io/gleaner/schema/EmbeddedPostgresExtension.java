package io.gleaner.schema;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL for the modules' integration tests: one embedded server per test JVM,
 * migrated once with {@link Migrations}; every table is emptied before each test. Resolves
 * {@link DataSource} parameters. Shared through this module's test jar.
 */
public final class EmbeddedPostgresExtension implements BeforeEachCallback, ParameterResolver {
    private static final String EMPTY_TABLES = "TRUNCATE retrain_runs, model_versions, task_flags, labels,"
            + " api_tokens, labelers, edge_case_tasks RESTART IDENTITY CASCADE";

    /** Owns the server; closed by JUnit when the root context closes. */
    private record Server(EmbeddedPostgres postgres)
            implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }

    public static DataSource dataSource(ExtensionContext context) {
        Server server = context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Server.class, key -> start(), Server.class);
        return server.postgres().getPostgresDatabase();
    }

    private static Server start() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Migrations.migrate(postgres.getPostgresDatabase());
            return new Server(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws SQLException {
        try (Connection connection = dataSource(context).getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(EMPTY_TABLES);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == DataSource.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return dataSource(context);
    }
}
