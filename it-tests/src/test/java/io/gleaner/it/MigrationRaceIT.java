package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.schema.Migrations;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault test 9: two instances that start at once both run the migrations against one fresh
 * database; exactly one applies them, both end on the same schema version. A migration edited
 * after it was applied stops the next start with an error that names the script.
 */
@ExtendWith(GleanerInfrastructure.class)
class MigrationRaceIT {
    private static final String EDITED_SCRIPT = "V2__queue_consensus_flags_notes.sql";

    private final DatabaseEndpoint database;

    MigrationRaceIT(Infrastructure infrastructure) {
        this.database = infrastructure.database();
    }

    @Test
    void twoInstancesStartingAtOnceApplyEachMigrationExactlyOnce() throws Exception {
        int instances = 2;
        CyclicBarrier start = new CyclicBarrier(instances);
        ExecutorService executor = Executors.newFixedThreadPool(instances);
        try {
            List<CompletableFuture<Instance>> running = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                // Each instance has its own DataSource, as two processes would.
                DataSource dataSource = database.dataSource();
                running.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await(30, TimeUnit.SECONDS);
                        MigrateResult result = Migrations.migrate(dataSource);
                        return new Instance(result.migrationsExecuted, latestVersion(dataSource));
                    } catch (Exception e) {
                        throw new IllegalStateException("instance failed to migrate: " + e, e);
                    }
                }, executor));
            }
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            List<Instance> done = running.stream().map(CompletableFuture::join).toList();

            int migrations = localMigrationCount();
            assertThat(migrations).as("V1..V4 at least").isGreaterThanOrEqualTo(4);
            assertThat(done).extracting(Instance::applied)
                    .as("one instance applies every migration, the other finds nothing left to do")
                    .containsExactlyInAnyOrder(migrations, 0);
            assertThat(done).extracting(Instance::schemaVersion).as("both end on the same schema version")
                    .containsExactly(String.valueOf(migrations), String.valueOf(migrations));
            assertThat(query(database.dataSource(), "SELECT count(*) || '/' || count(DISTINCT version)"
                    + " FROM flyway_schema_history WHERE success AND type = 'SQL'"))
                    .as("each version recorded once, all successful").isEqualTo(migrations + "/" + migrations);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void anAppliedMigrationEditedAfterwardsFailsValidationNamingTheScript(@TempDir Path folder) throws Exception {
        // A schema of its own, so that this test does not depend on the other one's database state.
        DataSource dataSource = new DatabaseEndpoint(withSchema(database.jdbcUrl(), "edited_migration"),
                database.user(), database.password()).dataSource();
        Path copy = copyMigrations(folder.resolve("db-migration"));
        String location = "filesystem:" + copy;
        int migrations = localMigrationCount();
        assertThat(Migrations.migrate(dataSource, location).migrationsExecuted).isEqualTo(migrations);
        assertThat(Migrations.migrate(dataSource, location).migrationsExecuted)
                .as("the unedited copy validates against what it applied").isZero();

        Files.writeString(copy.resolve(EDITED_SCRIPT), "\n-- edited after it was applied\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        assertThatThrownBy(() -> Migrations.migrate(dataSource, location))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(EDITED_SCRIPT)
                .hasMessageContaining("checksum mismatch")
                .hasMessageContaining("must never be edited");
        assertThat(query(dataSource, "SELECT count(*) FROM flyway_schema_history WHERE success AND type = 'SQL'"))
                .as("the failed start changed nothing").isEqualTo(String.valueOf(migrations));
    }

    private record Instance(int applied, String schemaVersion) {}

    private static String latestVersion(DataSource dataSource) throws SQLException {
        return query(dataSource, "SELECT version FROM flyway_schema_history"
                + " WHERE success AND type = 'SQL' ORDER BY installed_rank DESC LIMIT 1");
    }

    private static String query(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as("a row from " + sql).isTrue();
            return rows.getString(1);
        }
    }

    private static String withSchema(String jdbcUrl, String schema) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    private static int localMigrationCount() throws IOException, URISyntaxException {
        try (MigrationFolder folder = MigrationFolder.open();
             Stream<Path> scripts = Files.list(folder.path)) {
            return (int) scripts.filter(script -> script.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        }
    }

    private static Path copyMigrations(Path target) throws IOException, URISyntaxException {
        Files.createDirectories(target);
        try (MigrationFolder folder = MigrationFolder.open(); Stream<Path> scripts = Files.list(folder.path)) {
            for (Path script : scripts.toList()) {
                Files.copy(script, target.resolve(script.getFileName().toString()));
            }
        }
        return target;
    }

    /** The schema module's {@code db/migration}, in its classes folder or its jar. */
    private static final class MigrationFolder implements AutoCloseable {
        private final Path path;
        private final FileSystem jar;

        private MigrationFolder(Path path, FileSystem jar) {
            this.path = path;
            this.jar = jar;
        }

        static MigrationFolder open() throws IOException, URISyntaxException {
            URI uri = Migrations.class.getClassLoader().getResource("db/migration").toURI();
            if (!"jar".equals(uri.getScheme())) {
                return new MigrationFolder(Path.of(uri), null);
            }
            FileSystem jar = FileSystems.newFileSystem(uri, Map.of());
            return new MigrationFolder(jar.provider().getPath(uri), jar);
        }

        @Override
        public void close() throws IOException {
            if (jar != null) {
                jar.close();
            }
        }
    }
}
