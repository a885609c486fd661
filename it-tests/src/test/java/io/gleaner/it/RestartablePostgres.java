package io.gleaner.it;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * A PostgreSQL server of one test's own, which the test can stop and start again on the same port
 * and data folder, so that clients keep their JDBC URL across the outage (the JVM-wide server of
 * {@link GleanerInfrastructure} serves other test classes and must stay up). Commits are
 * synchronous, as in production: a row a client saw committed survives the stop.
 */
final class RestartablePostgres implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres running;

    private RestartablePostgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Starts a fresh server with its data in {@code dataDir} (empty or missing) on a free port. */
    static RestartablePostgres start(Path dataDir) {
        RestartablePostgres server = new RestartablePostgres(dataDir, freePort());
        server.startAgain();
        return server;
    }

    /** The {@code postgres} database, reachable whenever the server is up. */
    DatabaseEndpoint endpoint() {
        return new DatabaseEndpoint("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
    }

    /** Stops the server (fast shutdown: open connections are cut, committed data is kept). */
    void stop() {
        if (running == null) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is already stopped");
        }
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop PostgreSQL on port " + port, e);
        } finally {
            running = null;
        }
    }

    /** Starts the server again on the same port and data folder. */
    void startAgain() {
        if (running != null) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is already running");
        }
        try {
            running = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    // Keep the data between stop and start; the test's @TempDir removes it afterwards.
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("synchronous_commit", "on")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL in " + dataDir + " on port " + port, e);
        }
    }

    @Override
    public void close() {
        if (running != null) {
            stop();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port for PostgreSQL", e);
        }
    }
}
