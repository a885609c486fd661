package io.gleaner.app.infra;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where the PostgreSQL database is and how to log in.
 *
 * @param jdbcUrl e.g. {@code jdbc:postgresql://localhost:5432/gleaner}
 * @param user the database role
 * @param password empty when the server trusts local connections
 */
public record DatabaseEndpoint(String jdbcUrl, String user, String password) {
    public DatabaseEndpoint {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("database URL '" + jdbcUrl
                    + "' is not a PostgreSQL JDBC URL; expected jdbc:postgresql://host:port/database (--db-url)");
        }
        user = user == null ? "" : user;
        password = password == null ? "" : password;
    }

    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        if (!user.isEmpty()) {
            dataSource.setUser(user);
        }
        if (!password.isEmpty()) {
            dataSource.setPassword(password);
        }
        return dataSource;
    }

    /**
     * A connection pool, for a role that works on the database without pause: a new connection per
     * statement (TLS, authentication, a backend process) costs more than the statement. It starts
     * while PostgreSQL is away and waits at most 5 s for a connection, so a role waits out an
     * outage with its own backoff, or answers with an error, instead of failing to start or
     * hanging in the pool. The caller closes it.
     *
     * @param name the pool's name in logs and metrics
     * @param size the most connections it opens
     */
    public HikariDataSource pool(String name, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(jdbcUrl);
        if (!user.isEmpty()) {
            config.setUsername(user);
        }
        if (!password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    /** URL and user; the password is masked, so an endpoint can be logged. */
    @Override
    public String toString() {
        return "DatabaseEndpoint[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password="
                + (password.isEmpty() ? "" : io.gleaner.app.ops.SecretMasking.MASK) + "]";
    }
}
