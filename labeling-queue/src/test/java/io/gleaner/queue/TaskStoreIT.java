package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.Image;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class TaskStoreIT {
    private DataSource dataSource;
    private TaskStore store;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        this.store = new TaskStore(dataSource);
    }

    @Test
    void insertingTheSameFrameTwiceMakesOneTask() throws SQLException {
        EdgeCase edgeCase = EdgeCases.edgeCase("frame-1", 0.9);

        assertThat(store.insert(edgeCase)).isTrue();
        assertThat(store.insert(edgeCase.toBuilder().setPriority(0.1).build())).isFalse();

        assertThat(count("SELECT count(*) FROM edge_case_tasks")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM edge_case_tasks WHERE priority = 0.9")).isEqualTo(1);
    }

    @Test
    void aBatchStoresItsRowsInOneGoAndSkipsFrameIdsAlreadyThere() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));

        TaskStore.BatchOutcome outcome = store.insertAll(List.of(
                TaskStore.row(EdgeCases.edgeCase("frame-1", 0.1)),
                TaskStore.row(EdgeCases.edgeCase("frame-2", 0.2)),
                TaskStore.row(EdgeCases.edgeCase("frame-2", 0.3)),
                TaskStore.row(EdgeCases.edgeCase("frame-3", 0.4))));

        assertThat(outcome).isEqualTo(new TaskStore.BatchOutcome(2, 2, Map.of()));
        assertThat(count("SELECT count(*) FROM edge_case_tasks")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM edge_case_tasks WHERE frame_id = 'frame-2' AND priority = 0.2"))
                .as("the first of two rows for a frame id in one batch wins").isEqualTo(1);
    }

    /** A value PostgreSQL refuses fails the whole batch; only that row may be dead-lettered. */
    @Test
    void aRowPostgresRefusesIsNamedAndTheRestOfItsBatchIsStored() throws SQLException {
        TaskStore.BatchOutcome outcome = store.insertAll(List.of(
                TaskStore.row(EdgeCases.edgeCase("frame-1", 0.1)),
                TaskStore.row(EdgeCases.edgeCase("frame-\u00002", 0.2)),
                TaskStore.row(EdgeCases.edgeCase("frame-3", 0.3))));

        assertThat(outcome.created()).isEqualTo(2);
        assertThat(outcome.alreadyPresent()).isZero();
        assertThat(outcome.refused()).containsOnlyKeys(1);
        assertThat(outcome.refused().get(1).reason()).isEqualTo(RejectedEdgeCaseException.REFUSED_BY_DATABASE);
        assertThat(outcome.refused().get(1).getMessage()).contains("SQL state 22");
        assertThat(count("SELECT count(*) FROM edge_case_tasks")).isEqualTo(2);
    }

    @Test
    void storesEveryFieldOfTheEdgeCase() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-2", 0.625));

        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("""
                        SELECT frame_id, vehicle_id, capture_time, image_encoding, image_width, image_height,
                               image_bytes, image_uri, human_steering, human_accel, model_version,
                               scene_probabilities = '{"clear_road": 0.25, "pedestrian_crossing": 0.75}'::jsonb,
                               predicted_steering, predicted_accel,
                               triggers = '[{"name": "action_disagreement", "score": 0.875, "threshold": 0.5}]'::jsonb,
                               priority, state::text, attempts, lease_owner, lease_expires_at, harvested_at
                        FROM edge_case_tasks
                        """);
                ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("frame_id")).isEqualTo("frame-2");
            assertThat(rs.getString("vehicle_id")).isEqualTo("vehicle-3");
            assertThat(rs.getObject("capture_time", OffsetDateTime.class).toInstant())
                    .isEqualTo(Instant.ofEpochMilli(EdgeCases.CAPTURE_TIME_MS));
            assertThat(rs.getString("image_encoding")).isEqualTo("IMAGE_ENCODING_PNG");
            assertThat(rs.getInt("image_width")).isEqualTo(64);
            assertThat(rs.getInt("image_height")).isEqualTo(48);
            assertThat(rs.getBytes("image_bytes")).isEqualTo(EdgeCases.imageBytes("frame-2"));
            assertThat(rs.getString("image_uri")).isNull();
            assertThat(rs.getFloat("human_steering")).isEqualTo(-0.25f);
            assertThat(rs.getFloat("human_accel")).isEqualTo(0.5f);
            assertThat(rs.getString("model_version")).isEqualTo("7");
            assertThat(rs.getBoolean(12)).as("scene_probabilities as {class: p}").isTrue();
            assertThat(rs.getFloat("predicted_steering")).isEqualTo(0.125f);
            assertThat(rs.getFloat("predicted_accel")).isEqualTo(-0.5f);
            assertThat(rs.getBoolean(15)).as("triggers as [{name, score, threshold}]").isTrue();
            assertThat(rs.getDouble("priority")).isEqualTo(0.625);
            assertThat(rs.getString("state")).isEqualTo("pending");
            assertThat(rs.getInt("attempts")).isZero();
            assertThat(rs.getString("lease_owner")).isNull();
            assertThat(rs.getObject("lease_expires_at")).isNull();
            assertThat(rs.getObject("harvested_at", OffsetDateTime.class).toInstant())
                    .isEqualTo(Instant.ofEpochMilli(EdgeCases.HARVESTED_TIME_MS));
        }
    }

    @Test
    void anImageStoredByUriKeepsTheUriAndNoBytes() throws SQLException {
        EdgeCase byUri = EdgeCases.edgeCase("frame-3", 0.5);
        byUri = byUri.toBuilder()
                .setScored(byUri.getScored().toBuilder().setFrame(byUri.getScored().getFrame().toBuilder()
                        .setImage(byUri.getScored().getFrame().getImage().toBuilder().setUri("file:///frames/3.png"))))
                .build();

        assertThat(store.insert(byUri)).isTrue();

        assertThat(count("SELECT count(*) FROM edge_case_tasks WHERE image_bytes IS NULL"
                + " AND image_uri = 'file:///frames/3.png'")).isEqualTo(1);
    }

    @Test
    void anEdgeCaseWithoutAnImageIsRejectedAndNothingIsWritten() throws SQLException {
        EdgeCase noImage = EdgeCases.edgeCase("frame-4", 0.5);
        noImage = noImage.toBuilder()
                .setScored(noImage.getScored().toBuilder().setFrame(noImage.getScored().getFrame().toBuilder()
                        .setImage(Image.newBuilder().setWidth(64).setHeight(48))))
                .build();
        EdgeCase rejected = noImage;

        assertThatThrownBy(() -> store.insert(rejected))
                .isInstanceOf(RejectedEdgeCaseException.class)
                .hasMessageContaining("frame-4")
                .hasMessageContaining("neither image bytes nor an image URI");
        assertThat(count("SELECT count(*) FROM edge_case_tasks")).isZero();
    }

    @Test
    void aNulCharacterInAnEdgeCaseIsRejectedAsBadInputNotRetried() throws SQLException {
        EdgeCase nulInJson = EdgeCases.edgeCase("frame-5", 0.5);
        nulInJson = nulInJson.toBuilder()
                .setScored(nulInJson.getScored().toBuilder().setSceneClasses(0, "clear\u0000road"))
                .build();
        EdgeCase nulInText = EdgeCases.edgeCase("frame-\u00006", 0.5);
        EdgeCase json = nulInJson;

        assertThatThrownBy(() -> store.insert(json))
                .isInstanceOf(RejectedEdgeCaseException.class)
                .hasMessageContaining("frame-5")
                .hasMessageContaining("retrying will not help")
                .satisfies(e -> assertThat(((RejectedEdgeCaseException) e).reason())
                        .isEqualTo(RejectedEdgeCaseException.REFUSED_BY_DATABASE));
        assertThatThrownBy(() -> store.insert(nulInText))
                .isInstanceOf(RejectedEdgeCaseException.class)
                .hasMessageContaining("SQL state 22");
        assertThat(count("SELECT count(*) FROM edge_case_tasks")).isZero();
    }

    @Test
    void aFrameIdTooLargeForTheIndexIsRejectedAsBadInputNotRetried() {
        // Random, so that TOAST compression cannot shrink the index row under the btree limit.
        StringBuilder id = new StringBuilder();
        java.util.Random random = new java.util.Random(42);
        while (id.length() < 20_000) {
            id.append(Long.toString(random.nextLong(), 36));
        }
        EdgeCase huge = EdgeCases.edgeCase(id.toString(), 0.5);

        assertThatThrownBy(() -> store.insert(huge))
                .isInstanceOf(RejectedEdgeCaseException.class)
                .hasMessageContaining("SQL state 54")
                .hasMessageContaining("chars)");
    }

    @Test
    void anUnreachableDatabaseIsStillARetryableFailure() {
        org.postgresql.ds.PGSimpleDataSource unreachable = new org.postgresql.ds.PGSimpleDataSource();
        unreachable.setServerNames(new String[] {"127.0.0.1"});
        unreachable.setPortNumbers(new int[] {1});
        unreachable.setConnectTimeout(2);

        assertThatThrownBy(() -> new TaskStore(unreachable).insert(EdgeCases.edgeCase("frame-7", 0.5)))
                .isExactlyInstanceOf(QueueDatabaseException.class);
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
