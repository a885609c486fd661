package io.gleaner.schema;

import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * Runs the Flyway migrations under {@code db/migration} in this module. The one place migrations
 * run from: {@code gleaner migrate}, the demo and the tests all call it before any role starts.
 *
 * <p>Instances that start at once may all call it: Flyway holds a PostgreSQL advisory lock while
 * it migrates, so one applies the pending migrations and the others wait, then find nothing left
 * to do. Before applying anything it checks that every migration already applied is unchanged; an
 * applied script that was edited fails with an {@link IllegalStateException} naming the script.
 */
public final class Migrations {
    /** Where the migrations live on the classpath, as a Flyway location. */
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {}

    public static MigrateResult migrate(DataSource dataSource) {
        return migrate(dataSource, LOCATION);
    }

    public static MigrateResult migrate(String jdbcUrl, String user, String password) {
        return migrate(Flyway.configure().dataSource(jdbcUrl, user, password), LOCATION, jdbcUrl);
    }

    /**
     * Runs the migrations found at {@code location}, a Flyway location ({@code classpath:...} or
     * {@code filesystem:...}); {@link #LOCATION} is the one production uses.
     */
    public static MigrateResult migrate(DataSource dataSource, String location) {
        return migrate(Flyway.configure().dataSource(dataSource), location, "the database");
    }

    private static MigrateResult migrate(FluentConfiguration configuration, String location, String database) {
        configuration.locations(location);
        try {
            return configuration.load().migrate();
        } catch (FlywayValidateException e) {
            // Flyway's message names versions, not files; say which script changed and what to do.
            ValidateResult validation = configuration.ignoreMigrationPatterns("*:pending", "*:future")
                    .load().validateWithResult();
            String scripts = validation.invalidMigrations.stream()
                    .map(invalid -> invalid.filepath + " (version " + invalid.version + "): "
                            + invalid.errorDetails.errorMessage.replaceAll("\\s+", " ").replaceAll("[.\\s]+$", ""))
                    .collect(Collectors.joining("; "));
            throw new IllegalStateException("the migrations in " + location + " do not match those applied to "
                    + database + ": " + (scripts.isEmpty() ? e.getMessage() : scripts)
                    + ". An applied migration must never be edited: restore the script as it was applied"
                    + " and put the change in a new migration (the next V<n>__...sql)", e);
        }
    }
}
