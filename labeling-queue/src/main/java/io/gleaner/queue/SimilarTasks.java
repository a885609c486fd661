package io.gleaner.queue;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * "More like this": the tasks whose stored embeddings ({@code edge_case_tasks.embedding}) are
 * nearest to a task's by cosine similarity, and the embeddings a campaign needs.
 *
 * <p>Bounded by design: one SQL fetch of the embeddings of the {@link #window()} most recent tasks
 * (by task id) that have one of the same length, then cosine in plain Java and the top k. Older
 * tasks are not searched; no vector index is needed. Thread-safe: every call takes its own
 * connection.
 */
public final class SimilarTasks {
    /** Recent tasks searched when the caller does not say: about 10 MB of 512-float embeddings. */
    public static final int DEFAULT_WINDOW = 5000;

    /** Most neighbours one call returns. */
    public static final int MAX_K = 100;

    private static final String ONE = """
            SELECT task_id, frame_id, model_version, embedding FROM edge_case_tasks WHERE task_id = ?
            """;
    private static final String RECENT = """
            SELECT task_id, frame_id, model_version, embedding, state::text AS state FROM edge_case_tasks
            WHERE embedding IS NOT NULL AND cardinality(embedding) = ?
            ORDER BY task_id DESC LIMIT ?
            """;

    private final DataSource dataSource;
    private final int window;

    /** Searches the {@code window} most recent tasks with an embedding; {@code window} 1 .. 1,000,000. */
    public SimilarTasks(DataSource dataSource, int window) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (window < 1 || window > 1_000_000) {
            throw new IllegalArgumentException("window is " + window + ", must be 1 .. 1000000");
        }
        this.window = window;
    }

    /** How many of the most recent tasks a search looks at. */
    public int window() {
        return window;
    }

    /**
     * The {@code k} tasks most similar to {@code taskId} among the {@link #window()} most recent
     * ones with an embedding of the same length, most similar first (ties: newer first); never
     * the task itself.
     *
     * @throws TaskNotFoundException if there is no such task
     * @throws IllegalArgumentException if k is not 1 .. {@value #MAX_K} or the task has no embedding
     */
    public List<SimilarTask> nearest(long taskId, int k) {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k is " + k + ", must be 1 .. " + MAX_K);
        }
        TaskEmbedding target = embedding(taskId);
        List<SimilarTask> found = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(RECENT)) {
            st.setInt(1, target.embedding().length);
            st.setInt(2, window + 1);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong("task_id");
                    if (id != taskId) {
                        found.add(new SimilarTask(id, rs.getString("frame_id"),
                                cosine(target.embedding(), floats(rs.getArray("embedding"))), rs.getString("state")));
                    }
                }
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("search for tasks like task " + taskId, e);
        }
        found.sort(Comparator.comparingDouble(SimilarTask::similarity).reversed()
                .thenComparing(Comparator.comparingLong(SimilarTask::taskId).reversed()));
        return List.copyOf(found.subList(0, Math.min(k, found.size())));
    }

    /**
     * The stored embedding of {@code taskId}.
     *
     * @throws TaskNotFoundException if there is no such task
     * @throws IllegalArgumentException if it has none (stored before V3, or scored without one)
     */
    public TaskEmbedding embedding(long taskId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(ONE)) {
            st.setLong(1, taskId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new TaskNotFoundException(taskId, "it may have been purged");
                }
                Array array = rs.getArray("embedding");
                if (array == null) {
                    throw new IllegalArgumentException("task " + taskId + " has no stored embedding (harvested before"
                            + " the V3 migration, or scored without one): pick a newer task");
                }
                return new TaskEmbedding(taskId, rs.getString("frame_id"), rs.getString("model_version"), floats(array));
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("read of the embedding of task " + taskId, e);
        }
    }

    /**
     * The mean of the embeddings of length {@code dimension} among the {@link #window()} most
     * recent tasks: the center a campaign subtracts before its cosine. Empty if there are none.
     */
    public float[] recentMean(int dimension) {
        double[] sum = new double[dimension];
        int count = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(RECENT)) {
            st.setInt(1, dimension);
            st.setInt(2, window);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    float[] e = floats(rs.getArray("embedding"));
                    for (int i = 0; i < dimension; i++) {
                        sum[i] += e[i];
                    }
                    count++;
                }
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("mean of the recent task embeddings", e);
        }
        if (count == 0) {
            return new float[0];
        }
        float[] mean = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            mean[i] = (float) (sum[i] / count);
        }
        return mean;
    }

    /** Cosine similarity of two vectors of the same length; 0 when either is all zeros. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static float[] floats(Array array) throws SQLException {
        Object[] values = (Object[]) array.getArray();
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = ((Number) values[i]).floatValue();
        }
        return floats;
    }
}
