package io.gleaner.queue;

import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ScoredFrame;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Writes edge cases into {@code edge_case_tasks} as pending tasks. Idempotent: a frame id that is
 * already there is left alone ({@code ON CONFLICT (frame_id) DO NOTHING}), so replaying the
 * {@code edge-cases} topic never makes a second task.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class TaskStore {
    static final String INSERT = """
            INSERT INTO edge_case_tasks (
                frame_id, vehicle_id, capture_time, image_encoding, image_width, image_height,
                image_bytes, image_uri, human_steering, human_accel, model_version,
                scene_probabilities, predicted_steering, predicted_accel, triggers, priority,
                harvested_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?)
            ON CONFLICT (frame_id) DO NOTHING
            """;

    private final DataSource dataSource;

    public TaskStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Stores {@code edgeCase} as a pending task.
     *
     * @return true if a task was created, false if one for the same frame id already existed
     * @throws IllegalArgumentException if the edge case cannot become a task (no frame id, no
     *     image, classes and probabilities of different lengths); retrying will not help
     * @throws QueueDatabaseException if the database failed; retrying may help
     */
    public boolean insert(EdgeCase edgeCase) {
        Objects.requireNonNull(edgeCase, "edgeCase");
        ScoredFrame scored = edgeCase.getScored();
        FrameEvent frame = scored.getFrame();
        Image image = frame.getImage();
        if (frame.getFrameId().isBlank()) {
            throw new IllegalArgumentException("edge case has no frame id: it cannot become a task");
        }
        if (image.getPayloadCase() == Image.PayloadCase.PAYLOAD_NOT_SET) {
            throw new IllegalArgumentException("edge case for frame " + frame.getFrameId()
                    + " has neither image bytes nor an image URI: a labeler would have nothing to see");
        }
        String sceneProbabilities = EdgeCaseJson.sceneProbabilities(scored);
        String triggers = EdgeCaseJson.triggers(edgeCase.getTriggersList());
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(INSERT)) {
            st.setString(1, frame.getFrameId());
            st.setString(2, frame.getVehicleId());
            st.setObject(3, utc(frame.getCaptureTimeMs()));
            st.setString(4, image.getEncoding().name());
            st.setInt(5, image.getWidth());
            st.setInt(6, image.getHeight());
            if (image.hasData()) {
                st.setBytes(7, image.getData().toByteArray());
                st.setNull(8, Types.VARCHAR);
            } else {
                st.setNull(7, Types.BINARY);
                st.setString(8, image.getUri());
            }
            st.setFloat(9, frame.getHumanAction().getSteering());
            st.setFloat(10, frame.getHumanAction().getAcceleration());
            st.setString(11, scored.getModelVersion());
            st.setString(12, sceneProbabilities);
            st.setFloat(13, scored.getPredictedAction().getSteering());
            st.setFloat(14, scored.getPredictedAction().getAcceleration());
            st.setString(15, triggers);
            st.setDouble(16, edgeCase.getPriority());
            st.setObject(17, utc(edgeCase.getHarvestedTimeMs()));
            return st.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new QueueDatabaseException("insert of the task for frame " + frame.getFrameId(), e);
        }
    }

    private static OffsetDateTime utc(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }
}
