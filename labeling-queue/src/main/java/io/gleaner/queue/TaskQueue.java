package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The labeling queue in PostgreSQL: labelers claim tasks under a lease, submit one label per
 * claimed task, or give the lease back. Two labelers never hold the same task at once; a lease
 * that runs out without a label makes the task claimable again.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class TaskQueue {
    /** Roles a labeler may have, as in the {@code labeler_role} enum. */
    public static final Set<String> ROLES = Set.of("labeler", "admin");

    static final String UPSERT_LABELER = """
            INSERT INTO labelers (labeler_id, role) VALUES (?, ?::labeler_role)
            ON CONFLICT (labeler_id) DO UPDATE SET role = EXCLUDED.role
            """;

    /**
     * One statement: lock the best claimable tasks, skipping rows other claimers hold, and lease
     * them. Under READ COMMITTED a row another claimer leased meanwhile is re-checked against the
     * WHERE clause and dropped, so no task is handed out twice.
     */
    static final String CLAIM = """
            WITH claimable AS (
                SELECT task_id
                FROM edge_case_tasks
                WHERE state IN ('pending', 'leased')
                  AND (state = 'pending' OR lease_expires_at <= now())
                ORDER BY priority DESC, task_id
                FOR UPDATE SKIP LOCKED
                LIMIT ?
            ), claimed AS (
                UPDATE edge_case_tasks t
                SET state = 'leased',
                    lease_owner = ?,
                    lease_expires_at = now() + make_interval(secs => ?),
                    attempts = t.attempts + 1
                FROM claimable c
                WHERE t.task_id = c.task_id
                RETURNING t.task_id, t.frame_id, t.vehicle_id, t.image_encoding, t.image_width,
                          t.image_height, t.image_bytes, t.human_steering, t.human_accel,
                          t.model_version, t.priority, t.lease_expires_at
            )
            SELECT * FROM claimed ORDER BY priority DESC, task_id
            """;

    static final String LOCK_TASK = """
            SELECT state::text, lease_owner, lease_expires_at, lease_expires_at > now() AS lease_live
            FROM edge_case_tasks
            WHERE task_id = ?
            FOR UPDATE
            """;

    /**
     * Label ids come from an identity, so they are handed out in insert order but become visible
     * in commit order: without this lock a reader paging by label id ({@link #labeledAfter}) could
     * see id 8, move its watermark past 7, and never see 7 once it commits. Taking one
     * transaction-scoped lock before the insert makes id order and commit order the same. Labels
     * are human-paced, so serialising their commits costs nothing that matters.
     */
    static final long LABEL_ORDER_LOCK_KEY = 0x676c65616e65724cL;

    static final String LOCK_LABEL_ORDER = "SELECT pg_advisory_xact_lock(?)";

    static final String INSERT_LABEL = """
            INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration)
            VALUES (?, ?, ?, ?, ?)
            RETURNING label_id
            """;

    static final String MARK_LABELED = """
            UPDATE edge_case_tasks
            SET state = 'labeled', lease_owner = NULL, lease_expires_at = NULL
            WHERE task_id = ?
            """;

    static final String RELEASE = """
            UPDATE edge_case_tasks
            SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL
            WHERE task_id = ? AND state = 'leased' AND lease_owner = ?
            """;

    static final String STATS = """
            SELECT
                count(*) FILTER (WHERE state = 'pending' OR (state = 'leased' AND lease_expires_at <= now())),
                count(*) FILTER (WHERE state = 'leased' AND lease_expires_at > now()),
                count(*) FILTER (WHERE state = 'labeled'),
                count(*) FILTER (WHERE state = 'skipped'),
                (SELECT count(*) FROM labels)
            FROM edge_case_tasks
            """;

    static final String LABELED_AFTER = """
            SELECT l.label_id, l.task_id, t.frame_id, t.image_encoding, t.image_width, t.image_height,
                   t.image_bytes, l.scene, l.steering, l.acceleration
            FROM labels l
            JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE l.label_id > ?
            ORDER BY l.label_id
            LIMIT ?
            """;

    /** Most tasks one {@link #claim} call leases: a labeler cannot work through more before they expire. */
    public static final int MAX_CLAIM = 100;

    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private final DataSource dataSource;

    public TaskQueue(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Registers a labeler, or changes the role of one that exists. A labeler must be registered
     * before it can submit labels.
     *
     * @param role {@code labeler} or {@code admin}
     */
    public void ensureLabeler(String labelerId, String role) {
        requireLabelerId(labelerId);
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException(
                    "labeler " + labelerId + ": role '" + role + "' is unknown, use one of " + ROLES);
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(UPSERT_LABELER)) {
            st.setString(1, labelerId);
            st.setString(2, role);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException("registering labeler " + labelerId, e);
        }
    }

    /**
     * Leases up to {@code max} tasks to {@code labelerId}, highest priority first (then oldest
     * task id). Pending tasks and tasks whose lease expired are claimable; tasks another claimer
     * is locking right now are skipped, not waited for.
     *
     * @param max how many tasks at most, 1 .. {@value #MAX_CLAIM}
     * @param lease how long the labeler holds each task; positive
     * @return the claimed tasks, highest priority first; empty when nothing is claimable
     */
    public List<Task> claim(String labelerId, int max, Duration lease) {
        requireLabelerId(labelerId);
        if (max < 1) {
            throw new IllegalArgumentException("claim of " + max + " tasks: ask for at least 1");
        }
        if (max > MAX_CLAIM) {
            throw new IllegalArgumentException("claim of " + max + " tasks by labeler " + labelerId
                    + ": at most " + MAX_CLAIM + " per claim; claim again after labeling or releasing these");
        }
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease of " + lease + " for labeler " + labelerId
                    + ": a lease must be positive, e.g. PT5M");
        }
        double leaseSeconds = lease.toNanos() / 1e9;
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(CLAIM)) {
            st.setInt(1, max);
            st.setString(2, labelerId);
            st.setDouble(3, leaseSeconds);
            List<Task> tasks = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tasks.add(new Task(
                            rs.getLong("task_id"),
                            rs.getString("frame_id"),
                            rs.getString("vehicle_id"),
                            rs.getString("image_encoding"),
                            rs.getInt("image_width"),
                            rs.getInt("image_height"),
                            rs.getBytes("image_bytes"),
                            rs.getFloat("human_steering"),
                            rs.getFloat("human_accel"),
                            rs.getString("model_version"),
                            rs.getDouble("priority"),
                            rs.getObject("lease_expires_at", OffsetDateTime.class).toInstant()));
                }
            }
            return tasks;
        } catch (SQLException e) {
            throw new QueueDatabaseException("claim of " + max + " tasks for labeler " + labelerId, e);
        }
    }

    /**
     * Records {@code label} for a task that {@code labelerId} holds under a live lease, marks the
     * task labeled and ends the lease, all in one transaction.
     *
     * @return the new label's id
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease expired;
     *     nothing is written
     * @throws IllegalArgumentException if the task does not exist or the labeler is not registered
     */
    public long submitLabel(long taskId, String labelerId, Label label) {
        requireLabelerId(labelerId);
        Objects.requireNonNull(label, "label");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                checkLease(c, taskId, labelerId);
                // After the task's row lock, so every submitter takes the two in the same order.
                try (PreparedStatement st = c.prepareStatement(LOCK_LABEL_ORDER)) {
                    st.setLong(1, LABEL_ORDER_LOCK_KEY);
                    st.executeQuery().close();
                }
                long labelId = insertLabel(c, taskId, labelerId, label);
                try (PreparedStatement st = c.prepareStatement(MARK_LABELED)) {
                    st.setLong(1, taskId);
                    st.executeUpdate();
                }
                c.commit();
                return labelId;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException | RuntimeException rollbackFailure) {
                    // The first failure says what went wrong; the rollback's would hide it.
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("label of task " + taskId + " by " + labelerId, e);
        }
    }

    private static void checkLease(Connection c, long taskId, String labelerId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(LOCK_TASK)) {
            st.setLong(1, taskId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException(
                            "task " + taskId + " does not exist: label only tasks returned by claim");
                }
                String state = rs.getString(1);
                String owner = rs.getString(2);
                OffsetDateTime expires = rs.getObject(3, OffsetDateTime.class);
                boolean live = rs.getBoolean(4);
                if (!"leased".equals(state)) {
                    throw new LeaseException("task " + taskId + " is " + state + ", not leased to "
                            + labelerId + ": claim a task before labeling it");
                }
                if (!labelerId.equals(owner)) {
                    throw new LeaseException("task " + taskId + " is leased to " + owner + " until "
                            + expires.toInstant() + ", not to " + labelerId + ": claim another task");
                }
                if (!live) {
                    throw new LeaseException("lease of task " + taskId + " by " + labelerId + " expired at "
                            + expires.toInstant() + ": claim again (use a longer lease if labeling takes longer)");
                }
            }
        }
    }

    private static long insertLabel(Connection c, long taskId, String labelerId, Label label)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(INSERT_LABEL)) {
            st.setLong(1, taskId);
            st.setString(2, labelerId);
            st.setString(3, label.scene());
            st.setFloat(4, label.steering());
            st.setFloat(5, label.acceleration());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                throw new IllegalArgumentException("labeler " + labelerId
                        + " is not registered: call ensureLabeler before submitting labels", e);
            }
            throw e;
        }
    }

    /**
     * Gives a lease back before it expires, so another labeler can claim the task at once.
     *
     * @return true if {@code labelerId} held the task and it is pending again; false if it held
     *     no lease on it (already labeled, released, or leased to someone else)
     */
    public boolean release(long taskId, String labelerId) {
        requireLabelerId(labelerId);
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(RELEASE)) {
            st.setLong(1, taskId);
            st.setString(2, labelerId);
            return st.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new QueueDatabaseException("release of task " + taskId + " by " + labelerId, e);
        }
    }

    /** Counts tasks by state and labels in total; see {@link QueueStats} for expired leases. */
    public QueueStats stats() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(STATS);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return new QueueStats(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
        } catch (SQLException e) {
            throw new QueueDatabaseException("queue statistics", e);
        }
    }

    /** Most labels one {@link #labeledAfter(long, int)} call returns. */
    public static final int MAX_LABELED_PAGE = 10_000;

    /**
     * Every label with an id above {@code labelId}, with its task's image, in ascending label id.
     *
     * @deprecated loads every label at once; page with {@link #labeledAfter(long, int)} instead.
     *     Kept only while {@code retrain} still calls it.
     */
    @Deprecated(forRemoval = true)
    public List<LabeledExample> labeledAfter(long labelId) {
        List<LabeledExample> all = new ArrayList<>();
        long after = labelId;
        while (true) {
            List<LabeledExample> page = labeledAfter(after, MAX_LABELED_PAGE);
            all.addAll(page);
            if (page.size() < MAX_LABELED_PAGE) {
                return all;
            }
            after = page.get(page.size() - 1).labelId();
        }
    }

    /**
     * Up to {@code limit} labels with an id above {@code afterLabelId}, with their tasks' images,
     * in ascending label id. Pass 0 to start from the first label, then the last returned
     * {@link LabeledExample#labelId()} to get the next page; a page shorter than {@code limit}
     * is the last one for now.
     *
     * @param limit 1 .. {@value #MAX_LABELED_PAGE}
     */
    public List<LabeledExample> labeledAfter(long afterLabelId, int limit) {
        if (limit < 1 || limit > MAX_LABELED_PAGE) {
            throw new IllegalArgumentException("page of " + limit + " labels after id " + afterLabelId
                    + ": ask for 1 .. " + MAX_LABELED_PAGE + " and page on with the last label id returned");
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(LABELED_AFTER)) {
            st.setLong(1, afterLabelId);
            st.setInt(2, limit);
            List<LabeledExample> examples = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    examples.add(new LabeledExample(
                            rs.getLong("label_id"),
                            rs.getLong("task_id"),
                            rs.getString("frame_id"),
                            rs.getString("image_encoding"),
                            rs.getInt("image_width"),
                            rs.getInt("image_height"),
                            rs.getBytes("image_bytes"),
                            rs.getString("scene"),
                            rs.getFloat("steering"),
                            rs.getFloat("acceleration")));
                }
            }
            return examples;
        } catch (SQLException e) {
            throw new QueueDatabaseException("labels after id " + afterLabelId + " (page of " + limit + ")", e);
        }
    }

    private static void requireLabelerId(String labelerId) {
        if (labelerId == null || labelerId.isBlank()) {
            throw new IllegalArgumentException("labeler id is blank: every claim and label names its labeler");
        }
    }
}
