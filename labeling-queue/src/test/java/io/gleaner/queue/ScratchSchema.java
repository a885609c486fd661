package io.gleaner.queue;

import io.gleaner.schema.Migrations;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A migrated queue for measurements: in a schema of its own on the PostgreSQL server
 * {@code GLEANER_IT_DB_URL} names (a real server with durable commits, which is what the figures
 * are about), dropped on {@link #close}; on the embedded server when that is not set.
 */
final class ScratchSchema implements AutoCloseable {
    private final DataSource dataSource;
    private final String where;
    private final Runnable drop;

    private ScratchSchema(DataSource dataSource, String where, Runnable drop) {
        this.dataSource = dataSource;
        this.where = where;
        this.drop = drop;
    }

    static ScratchSchema open(DataSource embedded, String prefix) throws SQLException {
        String url = System.getenv("GLEANER_IT_DB_URL");
        if (url == null || url.isBlank()) {
            return new ScratchSchema(embedded, "embedded PostgreSQL", () -> { });
        }
        String user = System.getenv().getOrDefault("GLEANER_IT_DB_USER", "");
        String password = System.getenv().getOrDefault("GLEANER_IT_DB_PASSWORD", "");
        String schema = prefix + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
        execute(url, user, password, "CREATE SCHEMA " + schema);
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(url);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        dataSource.setCurrentSchema(schema);
        Migrations.migrate(dataSource);
        return new ScratchSchema(dataSource, url + " schema " + schema, () -> {
            try {
                execute(url, user, password, "DROP SCHEMA " + schema + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("could not drop the scratch schema " + schema, e);
            }
        });
    }

    /** A new connection per {@code getConnection}, in the scratch schema. */
    DataSource dataSource() {
        return dataSource;
    }

    String where() {
        return where;
    }

    @Override
    public void close() {
        drop.run();
    }

    private static void execute(String url, String user, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
