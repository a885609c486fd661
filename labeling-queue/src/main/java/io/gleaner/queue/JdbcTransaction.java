package io.gleaner.queue;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** One database transaction around a piece of work: commit when it returns, roll back when it throws. */
final class JdbcTransaction {
    /** Work inside one transaction; may throw {@link SQLException}. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private JdbcTransaction() {}

    /**
     * Runs {@code work} on a fresh connection in one transaction. A failing rollback is added to
     * the original failure, never put in its place; an {@link SQLException} becomes a
     * {@link QueueDatabaseException} naming {@code operation}.
     */
    static <T> T run(DataSource dataSource, String operation, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException | RuntimeException rollbackFailure) {
                    // The first failure says what went wrong; the rollback's would hide it.
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException(operation, e);
        }
    }
}
