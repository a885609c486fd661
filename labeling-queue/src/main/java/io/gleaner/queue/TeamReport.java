package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The figures a labeling team watches, read from the queue: how deep the queue is per trigger,
 * labels per hour, how often a trigger's harvest showed the model wrong, how often each
 * labeler agreed with the label that completed a task, and the model versions over time. Read-only; every query is bound.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class TeamReport {
    static final String DEPTH_BY_TRIGGER = """
            SELECT fired->>'name' AS trigger_name, count(*)
            FROM edge_case_tasks t, jsonb_array_elements(t.triggers) fired
            WHERE t.state = 'pending' OR (t.state = 'leased' AND t.lease_expires_at <= now())
            GROUP BY 1 ORDER BY 2 DESC, 1
            """;

    static final String LABELS_PER_HOUR = """
            SELECT date_trunc('hour', created_at) AS hour, count(*)
            FROM labels
            WHERE created_at > now() - make_interval(hours => ?)
            GROUP BY 1 ORDER BY 1
            """;

    /**
     * Per trigger, the labeled tasks it harvested, and how many of them the completing label
     * shows the model got wrong: another scene than its most probable one, or an action part
     * further than the tolerance from the model's.
     */
    static final String PRECISION_BY_TRIGGER = """
            SELECT fired->>'name' AS trigger_name, count(*) AS labeled,
                   count(*) FILTER (WHERE
                       l.scene IS DISTINCT FROM (SELECT p.key FROM jsonb_each_text(t.scene_probabilities) p
                                                 ORDER BY p.value::float8 DESC, p.key LIMIT 1)
                       OR abs(l.steering - t.predicted_steering) > ?
                       OR abs(l.acceleration - t.predicted_accel) > ?) AS model_wrong
            FROM edge_case_tasks t
            JOIN labels l ON l.task_id = t.task_id AND l.completes_task
            CROSS JOIN jsonb_array_elements(t.triggers) fired
            GROUP BY 1 ORDER BY 1
            """;

    /** Per labeler, labels on tasks someone else completed, and how many agreed with the completing label. */
    static final String AGREEMENT = """
            SELECT l.labeler_id, count(*) AS compared,
                   count(*) FILTER (WHERE l.scene = c.scene
                       AND abs(l.steering - c.steering) <= ? AND abs(l.acceleration - c.acceleration) <= ?) AS agreed
            FROM labels l
            JOIN labels c ON c.task_id = l.task_id AND c.completes_task AND c.label_id <> l.label_id
            GROUP BY 1 ORDER BY 1
            """;

    static final String MODEL_VERSIONS = """
            SELECT model_name, version, parent_version, state::text, created_at, metrics::text
            FROM model_versions
            ORDER BY created_at, model_name, version
            LIMIT ?
            """;

    /** Most model versions {@link #modelVersions} returns. */
    public static final int MAX_MODEL_VERSIONS = 1000;

    /** One version in the model registry, for the team view's timeline. */
    public record ModelVersion(String modelName, int version, Integer parentVersion, String state,
                               Instant createdAt, String metricsJson) {}

    /** Queue depth of one trigger: claimable tasks it harvested (a task with two triggers counts for both). */
    public record TriggerDepth(String trigger, long pending) {}

    /** Labels stored in one hour. */
    public record HourCount(Instant hour, long labels) {}

    /** Of the labeled tasks a trigger harvested, how many showed the model wrong. */
    public record TriggerPrecision(String trigger, long labeled, long modelWrong) {
        /** {@code modelWrong / labeled}, 0 when nothing is labeled. */
        public double precision() {
            return labeled == 0 ? 0 : (double) modelWrong / labeled;
        }
    }

    /** How often a labeler's labels agreed with the label that completed the task. */
    public record LabelerAgreement(String labelerId, long compared, long agreed) {}

    private final DataSource dataSource;
    private final ConsensusConfig consensus;

    /** Reads from {@code dataSource}; {@code consensus}'s tolerances decide "wrong" and "agreed". */
    public TeamReport(DataSource dataSource, ConsensusConfig consensus) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.consensus = Objects.requireNonNull(consensus, "consensus");
    }

    /** Claimable tasks per trigger, deepest first. */
    public List<TriggerDepth> depthByTrigger() {
        return query("queue depth by trigger", DEPTH_BY_TRIGGER, st -> { },
                rs -> new TriggerDepth(rs.getString(1), rs.getLong(2)));
    }

    /** Labels per hour over the last {@code hours} hours (1 .. 720), oldest first; hours without labels are left out. */
    public List<HourCount> labelsPerHour(int hours) {
        if (hours < 1 || hours > 720) {
            throw new IllegalArgumentException("labels per hour over " + hours + " hours: ask for 1 .. 720");
        }
        return query("labels per hour", LABELS_PER_HOUR, st -> st.setInt(1, hours),
                rs -> new HourCount(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getLong(2)));
    }

    /** Per trigger, labeled tasks and those whose label showed the model wrong. */
    public List<TriggerPrecision> precisionByTrigger() {
        return query("harvest precision by trigger", PRECISION_BY_TRIGGER, st -> {
            st.setFloat(1, consensus.steeringTolerance());
            st.setFloat(2, consensus.accelerationTolerance());
        }, rs -> new TriggerPrecision(rs.getString(1), rs.getLong(2), rs.getLong(3)));
    }

    /** Per labeler, labels compared with a completing label by someone else, and agreements. */
    public List<LabelerAgreement> agreement() {
        return query("labeler agreement", AGREEMENT, st -> {
            st.setFloat(1, consensus.steeringTolerance());
            st.setFloat(2, consensus.accelerationTolerance());
        }, rs -> new LabelerAgreement(rs.getString(1), rs.getLong(2), rs.getLong(3)));
    }

    /** The first {@value #MAX_MODEL_VERSIONS} registered model versions, oldest first, with their held-out metrics as JSON. */
    public List<ModelVersion> modelVersions() {
        return query("model versions", MODEL_VERSIONS, st -> st.setInt(1, MAX_MODEL_VERSIONS),
                rs -> new ModelVersion(rs.getString(1), rs.getInt(2), rs.getObject(3, Integer.class), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getString(6)));
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement st) throws SQLException;
    }

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String operation, String sql, Binder binder, RowReader<T> reader) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            binder.bind(st);
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new QueueDatabaseException(operation, e);
        }
    }
}
