package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** One-value queries that tests use to look at the database behind the queue's back. */
final class SqlProbe {
    private final DataSource dataSource;

    SqlProbe(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    long longValue(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = prepare(c, sql, parameters);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    String stringValue(String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = prepare(c, sql, parameters);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Runs a statement that changes rows; lets its {@link SQLException} through for tests that expect one. */
    int execute(String sql, Object... parameters) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = prepare(c, sql, parameters)) {
            return st.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... parameters) throws SQLException {
        PreparedStatement st = c.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            st.setObject(i + 1, parameters[i]);
        }
        return st;
    }
}
