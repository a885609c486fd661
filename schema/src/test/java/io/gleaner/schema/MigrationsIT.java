package io.gleaner.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class MigrationsIT {

    @Test
    void migratingTwiceIsANoOpAndCreatesEveryTable(DataSource dataSource) throws SQLException {
        assertThat(Migrations.migrate(dataSource).migrationsExecuted).as("already migrated by the extension").isZero();
        List<String> tables = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        assertThat(tables).contains("edge_case_tasks", "labels", "labelers", "api_tokens", "model_versions",
                "retrain_runs", "task_flags");
    }

    @Test
    void aSecondLiveVersionOfOneModelIsRefused(DataSource dataSource) throws SQLException {
        String insert = "INSERT INTO model_versions (model_name, version, artifact_uri, artifact_sha256, state)"
                + " VALUES ('m', %d, 'file:///m/v%d', repeat('a', 64), 'live')";
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(insert.formatted(1, 1));
            assertThatThrownBy(() -> statement.execute(insert.formatted(2, 2)))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("model_versions_one_live_uq");
        }
    }
}
