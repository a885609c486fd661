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
import org.flywaydb.core.Flyway;
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

    @Test
    void v6CopiesTheLabelersOfExistingLabelsOntoTheirTasks(DataSource dataSource) throws SQLException {
        String schema = "gleaner_v6_backfill";
        Flyway.configure().dataSource(dataSource).schemas(schema).locations(Migrations.LOCATION).target("5")
                .load().migrate();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO " + schema);
            statement.execute("INSERT INTO labelers (labeler_id) VALUES ('alice'), ('bob')");
            statement.execute("""
                    INSERT INTO edge_case_tasks (frame_id, vehicle_id, capture_time, image_encoding, image_width,
                        image_height, image_bytes, human_steering, human_accel, model_version, scene_probabilities,
                        predicted_steering, predicted_accel, triggers, priority, harvested_at)
                    SELECT 'frame-' || g, 'vehicle-1', now(), 'IMAGE_ENCODING_PNG', 64, 64, '\\x00', 0, 0, '1',
                           '{"clear_road": 1.0}', 0, 0, '[]', g, now()
                    FROM generate_series(1, 2) g
                    """);
            statement.execute("""
                    INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration, completes_task)
                    SELECT task_id, labeler, 'debris', 0, -1, false
                    FROM edge_case_tasks, unnest(ARRAY['bob', 'alice']) labeler
                    WHERE frame_id = 'frame-1'
                    """);

            Flyway.configure().dataSource(dataSource).schemas(schema).locations(Migrations.LOCATION).load().migrate();

            List<String> rows = new ArrayList<>();
            try (ResultSet tasks = statement.executeQuery(
                    "SELECT frame_id || ' ' || labeled_by::text FROM edge_case_tasks ORDER BY frame_id")) {
                while (tasks.next()) {
                    rows.add(tasks.getString(1));
                }
            }
            assertThat(rows).containsExactly("frame-1 {bob,alice}", "frame-2 {}");
        } finally {
            try (Connection connection = dataSource.getConnection();
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
