package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What only an admin does to the queue: change a task's priority or how many labels it needs,
 * purge tasks nobody will label, and export labels. No operation here changes or deletes a label,
 * and a task that has labels is never purged.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class QueueAdmin {
    static final String REPRIORITISE = "UPDATE edge_case_tasks SET priority = ? WHERE task_id = ?";

    static final String REQUIRE_LABELS = """
            UPDATE edge_case_tasks SET labels_required = ?, max_labels = ? WHERE task_id = ?
            """;

    static final String TASK_FOR_PURGE = """
            SELECT state::text, lease_expires_at > now() AS lease_live,
                   EXISTS (SELECT 1 FROM labels l WHERE l.task_id = t.task_id) AS has_labels
            FROM edge_case_tasks t WHERE task_id = ? FOR UPDATE
            """;

    static final String DELETE_TASK = "DELETE FROM edge_case_tasks WHERE task_id = ?";

    /**
     * Pending and skipped tasks harvested before a time, without labels. A leased task stays,
     * even with a lapsed lease, until its holder's submit has surely failed and it is pending.
     */
    static final String PURGE = """
            DELETE FROM edge_case_tasks t
            WHERE t.state = ANY (?::task_state[])
              AND t.harvested_at < ?
              AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.task_id = t.task_id)
            """;

    static final String EXPORT = """
            SELECT l.label_id, l.task_id, t.frame_id, l.labeler_id, l.scene, l.steering, l.acceleration,
                   l.notes, l.completes_task, l.created_at, t.model_version, t.predicted_steering,
                   t.predicted_accel, t.human_steering, t.human_accel, t.triggers::text AS fired
            FROM labels l
            JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE l.label_id > ?
            ORDER BY l.label_id
            LIMIT ?
            """;

    /** Most labels one {@link #exportLabels} call returns. */
    public static final int MAX_EXPORT_PAGE = 10_000;

    /** States {@link #purge} may delete. */
    public static final List<String> PURGEABLE_STATES = List.of("pending", "skipped");

    private final DataSource dataSource;

    public QueueAdmin(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Sets a task's priority; the next claims see it.
     *
     * @param priority any number but NaN (infinities put a task first or last)
     * @throws TaskNotFoundException if there is no such task
     */
    public void reprioritise(long taskId, double priority) {
        if (Double.isNaN(priority)) {
            throw new IllegalArgumentException("priority of task " + taskId
                    + " is NaN: give a number, higher is served first");
        }
        update("re-prioritise task " + taskId, REPRIORITISE, taskId, st -> st.setDouble(1, priority), 2);
    }

    /**
     * Sets how many agreeing labels a task needs and after how many it is set aside; see
     * {@link ConsensusConfig}. Labels already given stay; the next submit applies the new numbers.
     *
     * @throws IllegalArgumentException if the numbers are not {@code 1 <= required <= max <= 10}
     * @throws TaskNotFoundException if there is no such task
     */
    public void requireLabels(long taskId, int labelsRequired, int maxLabels) {
        ConsensusConfig checked = ConsensusConfig.agreeing(labelsRequired, maxLabels);
        update("labels required of task " + taskId, REQUIRE_LABELS, taskId, st -> {
            st.setInt(1, checked.labelsRequired());
            st.setInt(2, checked.maxLabels());
        }, 3);
    }

    /**
     * Deletes one task and its flags, if it has no labels and nobody holds a live lease on it.
     *
     * @throws TaskNotFoundException if there is no such task
     * @throws TaskConflictException if it has labels (human labels are kept for good) or is leased
     */
    public void purgeTask(long taskId) {
        JdbcTransaction.run(dataSource, "purge of task " + taskId, c -> {
            try (PreparedStatement st = c.prepareStatement(TASK_FOR_PURGE)) {
                st.setLong(1, taskId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new TaskNotFoundException(taskId, "nothing to purge");
                    }
                    if (rs.getBoolean("has_labels")) {
                        throw new TaskConflictException("task " + taskId + " has labels: human labels are never"
                                + " deleted, so the task stays; re-prioritise it instead");
                    }
                    if (rs.getBoolean("lease_live")) {
                        throw new TaskConflictException("task " + taskId + " is leased to a labeler right now:"
                                + " purge it after the lease ends");
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(DELETE_TASK)) {
                st.setLong(1, taskId);
                st.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Deletes every task in one of {@code states} harvested before {@code harvestedBefore} that
     * has no labels, with its flags.
     *
     * @param states a non-empty subset of {@link #PURGEABLE_STATES}
     * @return how many tasks were deleted
     */
    public int purge(List<String> states, Instant harvestedBefore) {
        Objects.requireNonNull(harvestedBefore, "harvestedBefore");
        if (states == null || states.isEmpty() || !PURGEABLE_STATES.containsAll(states)) {
            throw new IllegalArgumentException("purge of states " + states + ": name one or more of "
                    + PURGEABLE_STATES + " (leased and labeled tasks are never purged)");
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(PURGE)) {
            st.setArray(1, c.createArrayOf("text", states.toArray()));
            st.setObject(2, OffsetDateTime.ofInstant(harvestedBefore, ZoneOffset.UTC));
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException("purge of " + states + " tasks harvested before " + harvestedBefore, e);
        }
    }

    /**
     * Up to {@code limit} labels (every label, final or not) with an id above
     * {@code afterLabelId}, in ascending label id, with their tasks' context. Page on with the
     * last returned id.
     *
     * @param limit 1 .. {@value #MAX_EXPORT_PAGE}
     */
    public List<ExportedLabel> exportLabels(long afterLabelId, int limit) {
        if (limit < 1 || limit > MAX_EXPORT_PAGE) {
            throw new IllegalArgumentException("export page of " + limit + " labels: ask for 1 .. "
                    + MAX_EXPORT_PAGE + " and page on with the last label id returned");
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(EXPORT)) {
            st.setLong(1, afterLabelId);
            st.setInt(2, limit);
            List<ExportedLabel> labels = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    labels.add(new ExportedLabel(
                            rs.getLong("label_id"),
                            rs.getLong("task_id"),
                            rs.getString("frame_id"),
                            rs.getString("labeler_id"),
                            new Label(rs.getString("scene"), rs.getFloat("steering"), rs.getFloat("acceleration"),
                                    rs.getString("notes")),
                            rs.getBoolean("completes_task"),
                            rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                            rs.getString("model_version"),
                            rs.getFloat("predicted_steering"),
                            rs.getFloat("predicted_accel"),
                            rs.getFloat("human_steering"),
                            rs.getFloat("human_accel"),
                            EdgeCaseJson.readTriggers(rs.getString("fired"))));
                }
            }
            return labels;
        } catch (SQLException e) {
            throw new QueueDatabaseException("export of labels after id " + afterLabelId, e);
        }
    }

    /** Binds the values of an update statement whose last parameter is the task id. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement st) throws SQLException;
    }

    private void update(String operation, String sql, long taskId, Binder binder, int taskIdParameter) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            binder.bind(st);
            st.setLong(taskIdParameter, taskId);
            if (st.executeUpdate() == 0) {
                throw new TaskNotFoundException(taskId, "nothing to change");
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException(operation, e);
        }
    }
}
