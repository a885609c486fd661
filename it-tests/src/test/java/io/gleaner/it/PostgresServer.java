package io.gleaner.it;

import static org.awaitility.Awaitility.await;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The test JVM's PostgreSQL server, on which every test class gets a database of its own.
 * In order of preference: the server {@code GLEANER_IT_DB_URL} names (CI starts the machine's
 * cluster and sets it; the role needs CREATEDB), a Testcontainers PostgreSQL when Docker is
 * there, the embedded (zonky) server otherwise.
 */
final class PostgresServer implements AutoCloseable {
    static final String URL_ENV = "GLEANER_IT_DB_URL";
    static final String USER_ENV = "GLEANER_IT_DB_USER";
    static final String PASSWORD_ENV = "GLEANER_IT_DB_PASSWORD";
    static final String IMAGE = "postgres:16-alpine";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final Duration DROP_WAIT = Duration.ofSeconds(15);
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(\\?.*)?$");

    private final DatabaseEndpoint admin;
    private final String backend;
    private final AutoCloseable stop;

    private PostgresServer(DatabaseEndpoint admin, String backend, AutoCloseable stop) {
        this.admin = admin;
        this.backend = backend;
        this.stop = stop;
    }

    static PostgresServer start(boolean dockerAvailable) throws IOException {
        String url = System.getenv(URL_ENV);
        if (url != null && !url.isBlank()) {
            DatabaseEndpoint given = new DatabaseEndpoint(url, System.getenv(USER_ENV), System.getenv(PASSWORD_ENV));
            withDatabase(given, "probe"); // fail now, not per class, when the URL has no database part
            return new PostgresServer(given, "existing server from " + URL_ENV + " (" + url + ")", () -> { });
        }
        if (dockerAvailable) {
            PostgreSQLContainer container = new PostgreSQLContainer(IMAGE);
            container.start();
            return new PostgresServer(
                    new DatabaseEndpoint(container.getJdbcUrl(), container.getUsername(), container.getPassword()),
                    "Testcontainers " + IMAGE, container::stop);
        }
        Path dataDir = Files.createTempDirectory("gleaner-it-postgres");
        EmbeddedDatabase database = EmbeddedDatabase.start(dataDir);
        return new PostgresServer(database.endpoint(),
                "embedded zonky PostgreSQL (no Docker engine, " + URL_ENV + " unset)", () -> {
                    database.close();
                    ScratchFolder.delete(dataDir);
                });
    }

    String backend() {
        return backend;
    }

    /** Creates an empty database with a random name, so that classes and runs never share tables. */
    DatabaseEndpoint createDatabase() {
        String name = "gleaner_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        execute("CREATE DATABASE " + name);
        return withDatabase(admin, name);
    }

    /**
     * Drops a database {@link #createDatabase} made. {@code WITH (FORCE)} ends connections a stream
     * thread has not let go of; but PostgreSQL up to 16 also asks for the right to signal an
     * autovacuum worker busy in that database (it has no role, so only {@code pg_signal_backend}
     * members pass), and refuses the whole drop without it. A plain {@code DROP DATABASE} cancels
     * autovacuum itself, so that is the fallback; a database still there after 15 s of tries is
     * logged and left, since a scratch database that outlives its class fails no test.
     */
    void dropDatabase(DatabaseEndpoint database) {
        Matcher matcher = URL.matcher(database.jdbcUrl());
        if (!matcher.matches() || !matcher.group(2).startsWith("gleaner_it_")) {
            return;
        }
        String name = matcher.group(2);
        AtomicReference<String> lastFailure = new AtomicReference<>();
        try {
            await("drop of scratch database " + name).atMost(DROP_WAIT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofSeconds(1)).until(() -> dropped(name, lastFailure));
        } catch (ConditionTimeoutException e) {
            LOG.warn("left scratch database {} on {}: {}", name, admin.jdbcUrl(), lastFailure.get());
        }
    }

    /** Tries the forced drop, then the plain one; true once either went through. */
    private boolean dropped(String name, AtomicReference<String> lastFailure) {
        for (String drop : List.of("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)",
                "DROP DATABASE IF EXISTS " + name)) {
            try {
                run(drop);
                return true;
            } catch (SQLException e) {
                lastFailure.set(e.getMessage());
            }
        }
        return false;
    }

    private void run(String sql) throws SQLException {
        try (Connection connection = admin.dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private void execute(String sql) {
        try {
            run(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + admin.jdbcUrl() + " as '" + admin.user()
                    + "': " + e.getMessage() + " (the integration tests make one database per test class;"
                    + " the role needs CREATEDB)", e);
        }
    }

    private static DatabaseEndpoint withDatabase(DatabaseEndpoint server, String database) {
        Matcher matcher = URL.matcher(server.jdbcUrl());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("cannot tell the database in '" + server.jdbcUrl() + "' ("
                    + URL_ENV + "); use jdbc:postgresql://host:port/database");
        }
        String parameters = matcher.group(3) == null ? "" : matcher.group(3);
        return new DatabaseEndpoint(matcher.group(1) + database + parameters, server.user(), server.password());
    }

    @Override
    public void close() throws Exception {
        stop.close();
    }
}
