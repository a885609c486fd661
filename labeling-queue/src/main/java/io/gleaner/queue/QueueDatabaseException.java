package io.gleaner.queue;

import java.sql.SQLException;

/**
 * A statement against the queue's PostgreSQL database failed (connection lost, database not
 * migrated, constraint violated). Unchecked so that a stream task fails and retries instead of
 * skipping the record; the message names the operation and the SQL state.
 */
public class QueueDatabaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueDatabaseException(String operation, SQLException cause) {
        super(operation + " failed (SQL state " + cause.getSQLState() + "): " + cause.getMessage()
                + "; check that PostgreSQL is reachable and migrated (gleaner migrate)", cause);
    }
}
