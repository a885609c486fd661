package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Lineage, read both ways: from a label to its frame, the triggers that harvested the frame, the
 * model version that scored it and every model version trained or judged on it; from a model
 * version to the labels it used. The retrain service writes {@code model_version_labels} in the
 * transaction that registers a version, so a registered version's lineage is complete.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class Lineage {
    /** Most labels one {@link #ofModel} page holds. */
    public static final int MAX_PAGE = 10_000;

    private static final String LABEL = """
            SELECT l.label_id, l.labeler_id, l.scene, l.steering, l.acceleration, l.created_at,
                   t.task_id, t.frame_id, t.vehicle_id, t.capture_time, t.harvested_at, t.triggers::text,
                   t.model_version
            FROM labels l JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE l.label_id = ?
            """;

    private static final String USED_BY = """
            SELECT u.model_name, u.version, u.used_as, v.state::text
            FROM model_version_labels u
            JOIN model_versions v ON v.model_name = u.model_name AND v.version = u.version
            WHERE u.label_id = ?
            ORDER BY u.model_name, u.version
            """;

    private static final String VERSION = """
            SELECT v.state::text, v.parent_version,
                   (SELECT COUNT(*) FROM model_version_labels u
                    WHERE u.model_name = v.model_name AND u.version = v.version AND u.used_as = 'training'),
                   (SELECT COUNT(*) FROM model_version_labels u
                    WHERE u.model_name = v.model_name AND u.version = v.version AND u.used_as = 'held_out')
            FROM model_versions v WHERE v.model_name = ? AND v.version = ?
            """;

    private static final String LABELS_OF_VERSION = """
            SELECT u.label_id, t.frame_id, u.used_as
            FROM model_version_labels u
            JOIN labels l ON l.label_id = u.label_id
            JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE u.model_name = ? AND u.version = ? AND u.label_id > ?
            ORDER BY u.label_id
            LIMIT ?
            """;

    private final DataSource dataSource;

    public Lineage(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Where a label came from and where it went.
     *
     * @param triggersJson the JSON array of {@code {name, score, threshold}}: the triggers that harvested the frame
     * @param scoredBy the model version that scored the frame when it was harvested
     * @param usedBy every model version trained ({@code training}) or judged ({@code held_out}) on the label
     */
    public record LabelLineage(long labelId, String labelerId, String scene, float steering, float acceleration,
            Instant labeledAt, long taskId, String frameId, String vehicleId, Instant captureTime, Instant harvestedAt,
            String triggersJson, String scoredBy, List<UsedBy> usedBy) {
        public LabelLineage {
            usedBy = List.copyOf(usedBy);
        }
    }

    /** A model version that used a label, and how ({@code training} or {@code held_out}). */
    public record UsedBy(String modelName, int version, String usedAs, String state) {}

    /**
     * One page of the labels a model version used.
     *
     * @param parentVersion null for a seed
     * @param training labels it was trained on, all pages together
     * @param heldOut labels it was judged on, all pages together
     * @param labels this page, by ascending label id
     */
    public record ModelLabels(String modelName, int version, String state, Integer parentVersion, long training,
            long heldOut, List<LabelUse> labels) {
        public ModelLabels {
            labels = List.copyOf(labels);
        }
    }

    /** One label a version used. */
    public record LabelUse(long labelId, String frameId, String usedAs) {}

    /** The label's lineage, empty when there is no such label. */
    public Optional<LabelLineage> ofLabel(long labelId) {
        try (Connection connection = dataSource.getConnection()) {
            List<UsedBy> usedBy = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(USED_BY)) {
                statement.setLong(1, labelId);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        usedBy.add(new UsedBy(rows.getString(1), rows.getInt(2), rows.getString(3), rows.getString(4)));
                    }
                }
            }
            try (PreparedStatement statement = connection.prepareStatement(LABEL)) {
                statement.setLong(1, labelId);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new LabelLineage(rows.getLong(1), rows.getString(2), rows.getString(3),
                            rows.getFloat(4), rows.getFloat(5), rows.getTimestamp(6).toInstant(), rows.getLong(7),
                            rows.getString(8), rows.getString(9), rows.getTimestamp(10).toInstant(),
                            rows.getTimestamp(11).toInstant(), rows.getString(12), rows.getString(13), usedBy));
                }
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("reading the lineage of label " + labelId, e);
        }
    }

    /**
     * The labels a model version used with an id above {@code afterLabelId}, at most {@code limit};
     * empty when the version is not registered.
     *
     * @throws IllegalArgumentException when {@code limit} is outside 1 .. {@value #MAX_PAGE}
     */
    public Optional<ModelLabels> ofModel(String modelName, int version, long afterLabelId, int limit) {
        Objects.requireNonNull(modelName, "modelName");
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit is " + limit + "; ask for 1 .. " + MAX_PAGE + " labels a page");
        }
        try (Connection connection = dataSource.getConnection()) {
            String state;
            Integer parent;
            long training;
            long heldOut;
            try (PreparedStatement statement = connection.prepareStatement(VERSION)) {
                statement.setString(1, modelName);
                statement.setInt(2, version);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    state = rows.getString(1);
                    int p = rows.getInt(2);
                    parent = rows.wasNull() ? null : p;
                    training = rows.getLong(3);
                    heldOut = rows.getLong(4);
                }
            }
            List<LabelUse> labels = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(LABELS_OF_VERSION)) {
                statement.setString(1, modelName);
                statement.setInt(2, version);
                statement.setLong(3, afterLabelId);
                statement.setInt(4, limit);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        labels.add(new LabelUse(rows.getLong(1), rows.getString(2), rows.getString(3)));
                    }
                }
            }
            return Optional.of(new ModelLabels(modelName, version, state, parent, training, heldOut, labels));
        } catch (SQLException e) {
            throw new QueueDatabaseException("reading the labels of " + modelName + " v" + version, e);
        }
    }
}
