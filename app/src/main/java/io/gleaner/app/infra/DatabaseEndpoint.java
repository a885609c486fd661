package io.gleaner.app.infra;

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

    /** URL and user; the password is masked, so an endpoint can be logged. */
    @Override
    public String toString() {
        return "DatabaseEndpoint[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password="
                + (password.isEmpty() ? "" : io.gleaner.app.ops.SecretMasking.MASK) + "]";
    }
}
