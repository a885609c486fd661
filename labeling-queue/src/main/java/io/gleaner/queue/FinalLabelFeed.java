package io.gleaner.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Pages through the final labels of the queue (one per labeled task: the label with
 * {@code completes_task}) in ascending label id, with the model's outputs and the triggers of
 * each task, for whoever tells the rest of the system what labels said (the label feedback relay).
 *
 * <p>A page is read under the label-order lock held exclusive ({@link TaskQueue#LABEL_ORDER_LOCK_KEY}),
 * as the retraining feed reads: no submit is in flight while it reads, so every label id below the
 * highest one returned is committed or rolled back, and a reader that resumes after that id never
 * misses a label that commits later.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class FinalLabelFeed {
    /** Most labels one {@link #after} call returns. */
    public static final int MAX_PAGE = 10_000;

    static final String FINAL_LABELS_AFTER = """
            SELECT l.label_id, l.task_id, t.frame_id, l.scene, l.steering, l.acceleration, l.notes, l.created_at,
                   t.model_version, t.scene_probabilities::text AS scenes, t.predicted_steering, t.predicted_accel,
                   t.triggers::text AS fired
            FROM labels l
            JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE l.label_id > ? AND l.completes_task
            ORDER BY l.label_id
            LIMIT ?
            """;

    private final DataSource dataSource;

    public FinalLabelFeed(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Up to {@code limit} final labels with an id above {@code afterLabelId}, in ascending label id.
     * Pass 0 to start from the first label, then the last returned {@link FinalLabel#labelId()}; a
     * page shorter than {@code limit} is the last one for now.
     *
     * @param limit 1 .. {@value #MAX_PAGE}
     */
    public List<FinalLabel> after(long afterLabelId, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("page of " + limit + " final labels after id " + afterLabelId
                    + ": ask for 1 .. " + MAX_PAGE + " and page on with the last label id returned");
        }
        return JdbcTransaction.run(dataSource, "final labels after id " + afterLabelId, c -> {
            try (PreparedStatement st = c.prepareStatement(TaskQueue.LOCK_LABEL_ORDER)) {
                st.setLong(1, TaskQueue.LABEL_ORDER_LOCK_KEY);
                st.executeQuery().close();
            }
            try (PreparedStatement st = c.prepareStatement(FINAL_LABELS_AFTER)) {
                st.setLong(1, afterLabelId);
                st.setInt(2, limit);
                return read(st);
            }
        });
    }

    private static List<FinalLabel> read(PreparedStatement st) throws SQLException {
        List<FinalLabel> labels = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                labels.add(new FinalLabel(
                        rs.getLong("label_id"),
                        rs.getLong("task_id"),
                        rs.getString("frame_id"),
                        new Label(rs.getString("scene"), rs.getFloat("steering"), rs.getFloat("acceleration"),
                                rs.getString("notes")),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        rs.getString("model_version"),
                        EdgeCaseJson.readSceneProbabilities(rs.getString("scenes")),
                        rs.getFloat("predicted_steering"),
                        rs.getFloat("predicted_accel"),
                        EdgeCaseJson.readTriggers(rs.getString("fired"))));
            }
        }
        return labels;
    }
}
