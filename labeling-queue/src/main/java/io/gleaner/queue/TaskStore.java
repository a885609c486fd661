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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Writes edge cases into {@code edge_case_tasks} as pending tasks. Idempotent: a frame id that is
 * already there is left alone ({@code ON CONFLICT (frame_id) DO NOTHING}), so replaying the
 * {@code edge-cases} topic never makes a second task. The scored frame's embedding is kept (NULL
 * when it has none) for {@link SimilarTasks}.
 *
 * <p>{@link TaskSinkTopology} writes a batch of edge cases per transaction ({@link #insertAll});
 * other callers insert one at a time.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class TaskStore {
    static final String INSERT = """
            INSERT INTO edge_case_tasks (
                frame_id, vehicle_id, capture_time, image_encoding, image_width, image_height,
                image_bytes, image_uri, human_steering, human_accel, model_version,
                scene_probabilities, predicted_steering, predicted_accel, triggers, priority,
                harvested_at, embedding)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?)
            ON CONFLICT (frame_id) DO NOTHING
            """;

    private static final int SHOWN_ID_CHARS = 80;

    private final DataSource dataSource;

    public TaskStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Stores {@code edgeCase} as a pending task.
     *
     * @return true if a task was created, false if one for the same frame id already existed
     * @throws RejectedEdgeCaseException if the edge case cannot become a task (no frame id, no
     *     image, classes and probabilities of different lengths, or values PostgreSQL refuses as
     *     bad data: SQL state class 22 or 54); retrying will not help
     * @throws QueueDatabaseException if the database failed otherwise; retrying may help
     */
    public boolean insert(EdgeCase edgeCase) {
        return insert(row(edgeCase));
    }

    /**
     * Checks what can be checked without the database: the edge case has a frame id, an image, a
     * priority that is a number, and as many probabilities as classes.
     *
     * @throws RejectedEdgeCaseException if it can never become a task
     */
    static TaskRow row(EdgeCase edgeCase) {
        Objects.requireNonNull(edgeCase, "edgeCase");
        ScoredFrame scored = edgeCase.getScored();
        FrameEvent frame = scored.getFrame();
        String shownId = shown(frame.getFrameId());
        if (frame.getFrameId().isBlank()) {
            throw new RejectedEdgeCaseException(RejectedEdgeCaseException.NO_FRAME_ID,
                    "edge case has no frame id: it cannot become a task");
        }
        if (frame.getImage().getPayloadCase() == Image.PayloadCase.PAYLOAD_NOT_SET) {
            throw new RejectedEdgeCaseException(RejectedEdgeCaseException.NO_IMAGE,
                    "edge case for frame " + shownId
                    + " has neither image bytes nor an image URI: a labeler would have nothing to see");
        }
        String sceneProbabilities;
        try {
            sceneProbabilities = EdgeCaseJson.sceneProbabilities(scored);
        } catch (IllegalArgumentException inconsistent) {
            throw new RejectedEdgeCaseException(
                    RejectedEdgeCaseException.INCONSISTENT, inconsistent.getMessage(), inconsistent);
        }
        if (Double.isNaN(edgeCase.getPriority())) {
            throw new RejectedEdgeCaseException(RejectedEdgeCaseException.INCONSISTENT,
                    "edge case for frame " + shownId + " has a NaN priority: the queue could not order it"
                            + " (edge_case_tasks_priority_not_nan_ck); the selection stage must send a number");
        }
        return new TaskRow(edgeCase, sceneProbabilities, EdgeCaseJson.triggers(edgeCase.getTriggersList()));
    }

    /** Stores one checked row in a transaction of its own; see {@link #insert(EdgeCase)}. */
    boolean insert(TaskRow row) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(INSERT)) {
            bind(st, c, row);
            return st.executeUpdate() == 1;
        } catch (SQLException e) {
            if (isBadInput(e)) {
                throw refused(row, e);
            }
            throw new QueueDatabaseException("insert of the task for frame " + shown(row.frameId()), e);
        }
    }

    /**
     * Stores {@code rows} as pending tasks in one transaction, sent to PostgreSQL as one JDBC batch.
     * When PostgreSQL refuses a value of one of them as bad data, the transaction is rolled back and
     * the rows are stored one by one, so that only the bad ones are refused. Idempotent like
     * {@link #insert(EdgeCase)}: after a failure the caller may write the same rows again.
     *
     * @return what became of each row
     * @throws QueueDatabaseException if the database failed for another reason; nothing of the
     *     batch is stored unless the failure came during the one-by-one fallback
     */
    BatchOutcome insertAll(List<TaskRow> rows) {
        if (rows.isEmpty()) {
            return new BatchOutcome(0, 0, Map.of());
        }
        try {
            return JdbcTransaction.run(dataSource, "insert of " + rows.size() + " tasks", c -> {
                try (PreparedStatement st = c.prepareStatement(INSERT)) {
                    for (TaskRow row : rows) {
                        bind(st, c, row);
                        st.addBatch();
                    }
                    int created = 0;
                    for (int count : st.executeBatch()) {
                        created += count;
                    }
                    return new BatchOutcome(created, rows.size() - created, Map.of());
                }
            });
        } catch (QueueDatabaseException e) {
            if (!(e.getCause() instanceof SQLException cause && isBadInput(cause))) {
                throw e;
            }
            return insertOneByOne(rows);
        }
    }

    private BatchOutcome insertOneByOne(List<TaskRow> rows) {
        int created = 0;
        int alreadyPresent = 0;
        Map<Integer, RejectedEdgeCaseException> refused = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            try {
                if (insert(rows.get(i))) {
                    created++;
                } else {
                    alreadyPresent++;
                }
            } catch (RejectedEdgeCaseException e) {
                refused.put(i, e);
            }
        }
        return new BatchOutcome(created, alreadyPresent, refused);
    }

    private static void bind(PreparedStatement st, Connection c, TaskRow row) throws SQLException {
        EdgeCase edgeCase = row.edgeCase();
        ScoredFrame scored = edgeCase.getScored();
        FrameEvent frame = scored.getFrame();
        Image image = frame.getImage();
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
        st.setString(12, row.sceneProbabilities());
        st.setFloat(13, scored.getPredictedAction().getSteering());
        st.setFloat(14, scored.getPredictedAction().getAcceleration());
        st.setString(15, row.triggers());
        st.setDouble(16, edgeCase.getPriority());
        st.setObject(17, utc(edgeCase.getHarvestedTimeMs()));
        if (scored.getEmbeddingCount() == 0) {
            st.setNull(18, Types.ARRAY);
        } else {
            st.setArray(18, c.createArrayOf("real", scored.getEmbeddingList().toArray()));
        }
    }

    private static RejectedEdgeCaseException refused(TaskRow row, SQLException e) {
        return new RejectedEdgeCaseException(RejectedEdgeCaseException.REFUSED_BY_DATABASE,
                "edge case for frame " + shown(row.frameId()) + " refused by PostgreSQL (SQL state "
                        + e.getSQLState() + "): " + e.getMessage()
                        + "; the values themselves are bad, retrying will not help", e);
    }

    /**
     * SQL states that blame the values, not the database: class {@code 22} data exception
     * (U+0000 in text, a timestamp out of range, bad JSON), class {@code 54} program limit
     * exceeded (an index row too large) and {@code 23514} check violation (a value a named CHECK
     * refuses). Anything else (connection, disk, locks, migrations) may pass.
     */
    static boolean isBadInput(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("54") || state.equals(CHECK_VIOLATION));
    }

    private static final String CHECK_VIOLATION = "23514";

    /** The frame id as errors and DLQ headers show it: a bad id may be megabytes long. */
    static String shown(String frameId) {
        return frameId.length() <= SHOWN_ID_CHARS ? frameId
                : frameId.substring(0, SHOWN_ID_CHARS) + "…(" + frameId.length() + " chars)";
    }

    private static OffsetDateTime utc(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    /**
     * An edge case that passed {@link #row}, with the JSON columns already made from it.
     */
    record TaskRow(EdgeCase edgeCase, String sceneProbabilities, String triggers) {
        String frameId() {
            return edgeCase.getScored().getFrame().getFrameId();
        }
    }

    /**
     * What {@link #insertAll} did: how many tasks it created, how many frame ids already had one,
     * and, by their index in the batch, the rows PostgreSQL refused as bad data.
     */
    record BatchOutcome(int created, int alreadyPresent, Map<Integer, RejectedEdgeCaseException> refused) {}
}
