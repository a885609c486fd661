package io.gleaner.queue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Pages of the queue's tasks, with their images, the model's outputs as a prediction and their
 * human labels as annotations, in Label Studio's JSON task format ({@link LabelStudioFormat}):
 * a file Label Studio imports as it is. Read-only.
 */
public final class LabelStudioExport {
    /** Most tasks one page holds: with images inline, a page of small frames stays in the low megabytes. */
    public static final int MAX_PAGE = 500;

    static final String TASK_IDS = "SELECT task_id FROM edge_case_tasks WHERE task_id > ? ORDER BY task_id LIMIT ?";

    static final String SCENE_CLASSES = """
            SELECT DISTINCT scene FROM (
                SELECT jsonb_object_keys(scene_probabilities) AS scene FROM edge_case_tasks
                UNION SELECT scene FROM labels) s
            ORDER BY 1
            LIMIT 1000
            """;

    /** A page of tasks and the id to ask for the next page after (the last task's, or the same when empty). */
    public record Page(ArrayNode tasks, long lastTaskId) {}

    private final DataSource dataSource;
    private final TaskQueue queue;

    public LabelStudioExport(DataSource dataSource, TaskQueue queue) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    /**
     * Up to {@code limit} tasks with an id above {@code afterTaskId}, in task id order, whatever their state.
     *
     * @param limit 1 .. {@value #MAX_PAGE}
     */
    public Page tasks(long afterTaskId, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("Label Studio export page of " + limit + " tasks: ask for 1 .. "
                    + MAX_PAGE + " and page on with the last task id");
        }
        ArrayNode tasks = JsonNodeFactory.instance.arrayNode();
        long last = afterTaskId;
        for (long taskId : taskIds(afterTaskId, limit)) {
            try {
                tasks.add(LabelStudioFormat.task(queue.detail(taskId), queue.image(taskId)));
                last = taskId;
            } catch (TaskNotFoundException e) {
                // Purged between the two reads: it is no longer a task to export.
                last = taskId;
            }
        }
        return new Page(tasks, last);
    }

    /** The labeling config for the scene classes the queue has seen, from the model or from labels. */
    public String labelingConfig() {
        List<String> scenes = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(SCENE_CLASSES);
                ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                scenes.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("scene classes for the Label Studio config", e);
        }
        return LabelStudioFormat.labelingConfig(scenes);
    }

    private List<Long> taskIds(long afterTaskId, int limit) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(TASK_IDS)) {
            st.setLong(1, afterTaskId);
            st.setInt(2, limit);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new QueueDatabaseException("task ids after " + afterTaskId + " for the Label Studio export", e);
        }
    }
}
