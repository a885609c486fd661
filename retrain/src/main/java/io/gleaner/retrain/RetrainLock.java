package io.gleaner.retrain;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL advisory lock that lets one retrain run, promotion or rollback of a model happen
 * at a time across every instance that shares the database. The lock belongs to a database session:
 * it is held on one connection for as long as the {@link Held} is open, and PostgreSQL drops it by
 * itself when that connection dies, so a crashed instance never leaves it behind.
 *
 * <p>The key is the pair ({@code hashtext('gleaner.retrain')}, {@code hashtext(model name)}), so
 * different models retrain in parallel and no other user of advisory locks in this database
 * collides with it unless it picks the same pair.
 */
public final class RetrainLock {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainLock.class);
    private static final String KEY = "hashtext('gleaner.retrain'), hashtext(?)";

    private final DataSource dataSource;
    private final String modelName;

    public RetrainLock(DataSource dataSource, String modelName) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
    }

    /** The lock while it is held; closing it releases the lock and the connection. */
    public final class Held implements AutoCloseable {
        private final Connection connection;

        private Held(Connection connection) {
            this.connection = connection;
        }

        /**
         * Checks that this session still holds the lock. A run calls it before it changes the
         * registry: if its connection was reset meanwhile (a database restart, a network cut), the
         * lock went with it and another instance may be running, so the run must stop.
         *
         * @throws RegistryException when the lock is no longer held or the database cannot be asked
         */
        public void requireHeld() {
            try (PreparedStatement check = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks"
                    + " WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objsubid = 2"
                    + " AND classid::int4 = hashtext('gleaner.retrain') AND objid::int4 = hashtext(?))")) {
                check.setString(1, modelName);
                try (ResultSet rows = check.executeQuery()) {
                    rows.next();
                    if (!rows.getBoolean(1)) {
                        throw new RegistryException("the retrain lock of " + modelName + " is no longer held by this"
                                + " instance; another may be running, so this run stops without changing the registry");
                    }
                }
            } catch (SQLException e) {
                throw new RegistryException("the retrain lock of " + modelName + " was lost with its connection ("
                        + e.getMessage() + "); another instance may be running, so this run stops without changing"
                        + " the registry", e);
            }
        }

        @Override
        public void close() {
            try (Connection c = connection; PreparedStatement unlock = c.prepareStatement(
                    "SELECT pg_advisory_unlock(" + KEY + ")")) {
                unlock.setString(1, modelName);
                try (ResultSet rows = unlock.executeQuery()) {
                    if (rows.next() && !rows.getBoolean(1)) {
                        LOG.warn("the retrain lock of {} was no longer held when released (the connection was reset?)",
                                modelName);
                    }
                }
            } catch (SQLException e) {
                // Closing the connection (done above, even on failure) ends the session and its lock.
                LOG.warn("releasing the retrain lock of {} failed; closing its connection released it: {}", modelName,
                        e.getMessage());
            }
        }
    }

    /**
     * Takes the lock if no other session holds it.
     *
     * @return the held lock, or empty when another instance holds it now
     * @throws RegistryException when the database cannot be asked
     */
    public Optional<Held> tryAcquire() {
        return take(false);
    }

    /**
     * Waits until the lock is free and takes it; use where waiting for a running retrain is the
     * right thing (bootstrapping a seed), not in a polling loop.
     *
     * @throws RegistryException when the database cannot be asked
     */
    public Held acquire() {
        return take(true).orElseThrow();
    }

    private Optional<Held> take(boolean wait) {
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            // The lock is the session's: the connection must not be in a transaction a pool could roll back.
            connection.setAutoCommit(true);
            boolean taken;
            try (PreparedStatement lock = connection.prepareStatement(wait
                    ? "SELECT true FROM (SELECT pg_advisory_lock(" + KEY + ")) AS locked"
                    : "SELECT pg_try_advisory_lock(" + KEY + ")")) {
                lock.setString(1, modelName);
                try (ResultSet rows = lock.executeQuery()) {
                    rows.next();
                    taken = rows.getBoolean(1);
                }
            }
            if (!taken) {
                connection.close();
                return Optional.empty();
            }
            return Optional.of(new Held(connection));
        } catch (SQLException e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new RegistryException("cannot take the retrain lock of " + modelName + ": " + e.getMessage()
                    + " (SQL state " + e.getSQLState() + "); check the database connection", e);
        }
    }

    /** The model whose runs this lock serialises. */
    public String modelName() {
        return modelName;
    }
}
