package io.gleaner.retrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.scorer.model.ModelArtifact;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;

/**
 * The model registry of one model name, in PostgreSQL ({@code model_versions}): every version ever
 * trained, with its artifact, metrics and state. At most one version is live; the database's
 * partial unique index holds that even against two promoters racing.
 *
 * <p>Versions are integers here and decimal strings in manifests and {@code ModelUpdate}s. Every
 * promotion is written to {@code model_promotions} in the transaction that makes the version live,
 * which is what {@link #rollback} walks back along; the labels a version used are written to
 * {@code model_version_labels} in the transaction that registers it ({@link #registerCandidate(int,
 * OptionalInt, ModelArtifact, List, List)}).
 */
public final class ModelRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {};
    private static final String COLUMNS =
            "version, parent_version, artifact_uri, artifact_sha256, state::text AS state, metrics::text AS metrics,"
                    + " created_at";

    private final DataSource dataSource;
    private final String modelName;

    public ModelRegistry(DataSource dataSource, String modelName) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        if (modelName.isBlank()) {
            throw new IllegalArgumentException("model name is blank; the registry keeps versions per model name");
        }
    }

    public String modelName() {
        return modelName;
    }

    /** The live version's number, empty before the first promotion. */
    public Optional<Integer> liveVersion() {
        return live().map(RegisteredModel::version);
    }

    /** The live version with its artifact URI and SHA-256, empty before the first promotion. */
    public Optional<RegisteredModel> live() {
        return queryOne("SELECT " + COLUMNS + " FROM model_versions WHERE model_name = ? AND state = 'live'",
                statement -> statement.setString(1, modelName), "read the live version");
    }

    /** One version, whatever its state. */
    public Optional<RegisteredModel> find(int version) {
        return queryOne("SELECT " + COLUMNS + " FROM model_versions WHERE model_name = ? AND version = ?",
                statement -> {
                    statement.setString(1, modelName);
                    statement.setInt(2, version);
                }, "read version " + version);
    }

    /** Every registered version, oldest first. */
    public List<RegisteredModel> list() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT " + COLUMNS + " FROM model_versions WHERE model_name = ? ORDER BY version")) {
            statement.setString(1, modelName);
            try (ResultSet rows = statement.executeQuery()) {
                List<RegisteredModel> models = new ArrayList<>();
                while (rows.next()) {
                    models.add(read(rows));
                }
                return models;
            }
        } catch (SQLException e) {
            throw failure("list the versions", e);
        }
    }

    /** One more than the highest version ever registered; 1 for the first. */
    public int nextVersion() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model_name = ?")) {
            statement.setString(1, modelName);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw failure("find the next version", e);
        }
    }

    /**
     * Records a saved artifact as a candidate, with the metrics in its manifest and no lineage
     * (a seed, trained on no labels).
     *
     * @throws IllegalArgumentException when the artifact's manifest names another model, version or parent
     * @throws RegistryException when the version exists already or the parent does not
     */
    public void registerCandidate(int version, OptionalInt parentVersion, ModelArtifact artifact) {
        registerCandidate(version, parentVersion, artifact, List.of(), List.of());
    }

    /**
     * Records a saved artifact as a candidate, with the metrics in its manifest, and in the same
     * transaction the labels it was fine-tuned on and judged on ({@code model_version_labels}):
     * the version and its lineage exist together or not at all.
     *
     * @param trainingLabelIds labels the candidate was fine-tuned on
     * @param heldOutLabelIds labels the gate judged it on, never trained on
     * @throws IllegalArgumentException when the artifact's manifest names another model, version or
     *     parent, or a label is given as both training and held out
     * @throws RegistryException when the version exists already, the parent or a label does not
     */
    public void registerCandidate(int version, OptionalInt parentVersion, ModelArtifact artifact,
            List<Long> trainingLabelIds, List<Long> heldOutLabelIds) {
        String manifestVersion = artifact.manifest().version();
        String expectedParent = parentVersion.isPresent() ? Integer.toString(parentVersion.getAsInt()) : "";
        if (!modelName.equals(artifact.manifest().modelName()) || !Integer.toString(version).equals(manifestVersion)
                || !expectedParent.equals(artifact.manifest().parentVersion())) {
            throw new IllegalArgumentException("artifact " + artifact.dir() + " is " + artifact.manifest().modelName()
                    + " v" + manifestVersion + " (parent '" + artifact.manifest().parentVersion() + "'), not " + modelName
                    + " v" + version + " (parent '" + expectedParent + "'); save it with the version it is registered as");
        }
        if (trainingLabelIds.stream().anyMatch(heldOutLabelIds::contains)) {
            throw new IllegalArgumentException("v" + version + ": a label cannot be both trained on and held out");
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement statement = connection.prepareStatement(
                        "INSERT INTO model_versions (model_name, version, parent_version, artifact_uri, artifact_sha256,"
                                + " metrics, state) VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), 'candidate')")) {
                    statement.setString(1, modelName);
                    statement.setInt(2, version);
                    if (parentVersion.isPresent()) {
                        statement.setInt(3, parentVersion.getAsInt());
                    } else {
                        statement.setNull(3, Types.INTEGER);
                    }
                    statement.setString(4, artifact.uri().toString());
                    statement.setString(5, artifact.sha256().toLowerCase(Locale.ROOT));
                    statement.setString(6, toJson(artifact.manifest().metrics()));
                    statement.executeUpdate();
                }
                insertLineage(connection, version, "training", trainingLabelIds);
                insertLineage(connection, version, "held_out", heldOutLabelIds);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("register candidate v" + version, e);
        }
    }

    /** One statement however many labels: the ids go over as one array. */
    private void insertLineage(Connection connection, int version, String usedAs, List<Long> labelIds)
            throws SQLException {
        if (labelIds.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "INSERT INTO model_version_labels (model_name, version, label_id, used_as)"
                        + " SELECT ?, ?, label_id, ? FROM unnest(?::bigint[]) AS label_id")) {
            statement.setString(1, modelName);
            statement.setInt(2, version);
            statement.setString(3, usedAs);
            statement.setArray(4, connection.createArrayOf("bigint", labelIds.toArray()));
            statement.executeUpdate();
        }
    }

    /**
     * Makes {@code version} live and retires the version that was live, in one transaction: readers
     * see either the old live version or the new one, never none or two. Recorded in
     * {@code model_promotions} as promoted by "registry".
     *
     * @throws RegistryException when the version does not exist or was rejected
     */
    public void promote(int version) {
        promote(version, "registry", "promoted");
    }

    /**
     * As {@link #promote(int)}, recording who promoted it and why in {@code model_promotions}.
     * Promoting the live version again changes and records nothing.
     *
     * @throws RegistryException when the version does not exist or was rejected
     */
    public void promote(int version, String promotedBy, String reason) {
        makeLive(version, promotedBy, reason, false);
    }

    /**
     * As {@link #promote(int, String, String)}, but a rejected version may go live too: an admin
     * overruling the gate.
     *
     * @throws RegistryException when the version does not exist
     */
    public void overrule(int version, String promotedBy, String reason) {
        makeLive(version, promotedBy, reason, true);
    }

    private void makeLive(int version, String promotedBy, String reason, boolean evenIfRejected) {
        Objects.requireNonNull(promotedBy, "promotedBy");
        Objects.requireNonNull(reason, "reason");
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                String state = lockedState(connection, version);
                if (state == null || (state.equals("rejected") && !evenIfRejected)) {
                    throw new RegistryException(modelName + " v" + version + " cannot be promoted: "
                            + (state == null ? "it is not registered (gleaner models list shows the versions)"
                                    : "it was rejected; only candidates and retired versions can go live"
                                            + " (an admin can overrule the gate with gleaner models promote)"));
                }
                if (!state.equals("live")) {
                    switchLive(connection, version, promotedBy, reason);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("promote v" + version, e);
        }
    }

    /**
     * Takes the live version out of service (marked rejected, so it is not rolled back to again)
     * and makes the version that was live before it live again: the latest promoted version that
     * is retired now. Two rollbacks in a row go back two steps. One transaction.
     *
     * @return the version live now
     * @throws RegistryException when no version is live, or none was live before it
     */
    public RegisteredModel rollback(String promotedBy, String reason) {
        Objects.requireNonNull(promotedBy, "promotedBy");
        Objects.requireNonNull(reason, "reason");
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Integer live = null;
                try (PreparedStatement statement = connection.prepareStatement("SELECT version FROM model_versions"
                        + " WHERE model_name = ? AND state = 'live' FOR UPDATE")) {
                    statement.setString(1, modelName);
                    try (ResultSet rows = statement.executeQuery()) {
                        if (rows.next()) {
                            live = rows.getInt(1);
                        }
                    }
                }
                if (live == null) {
                    throw new RegistryException(modelName + " has no live version to roll back");
                }
                Integer previous = null;
                try (PreparedStatement statement = connection.prepareStatement("SELECT p.version"
                        + " FROM model_promotions p JOIN model_versions v USING (model_name, version)"
                        + " WHERE p.model_name = ? AND p.version <> ? AND v.state = 'retired'"
                        + " ORDER BY p.promotion_id DESC LIMIT 1")) {
                    statement.setString(1, modelName);
                    statement.setInt(2, live);
                    try (ResultSet rows = statement.executeQuery()) {
                        if (rows.next()) {
                            previous = rows.getInt(1);
                        }
                    }
                }
                if (previous == null) {
                    throw new RegistryException(modelName + " v" + live + " is live and no version was live before it"
                            + " that is not rolled back or rejected; promote a version by number instead");
                }
                try (PreparedStatement statement = connection.prepareStatement("UPDATE model_versions"
                        + " SET state = 'rejected' WHERE model_name = ? AND version = ?")) {
                    statement.setString(1, modelName);
                    statement.setInt(2, live);
                    statement.executeUpdate();
                }
                switchLive(connection, previous, promotedBy, "rollback from v" + live + ": " + reason);
                connection.commit();
                int rolledBackTo = previous;
                return find(rolledBackTo).orElseThrow();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("roll back", e);
        }
    }

    /** The version's state, its row locked until the transaction ends; null when it is not registered. */
    private String lockedState(Connection connection, int version) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT state::text FROM model_versions"
                + " WHERE model_name = ? AND version = ? FOR UPDATE")) {
            statement.setString(1, modelName);
            statement.setInt(2, version);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /** Retires whatever is live, makes {@code version} live and records the promotion; in the caller's transaction. */
    private void switchLive(Connection connection, int version, String promotedBy, String reason) throws SQLException {
        try (PreparedStatement retire = connection.prepareStatement("UPDATE model_versions SET state = 'retired'"
                + " WHERE model_name = ? AND state = 'live' AND version <> ?")) {
            retire.setString(1, modelName);
            retire.setInt(2, version);
            retire.executeUpdate();
        }
        try (PreparedStatement live = connection.prepareStatement("UPDATE model_versions SET state = 'live'"
                + " WHERE model_name = ? AND version = ?")) {
            live.setString(1, modelName);
            live.setInt(2, version);
            live.executeUpdate();
        }
        try (PreparedStatement history = connection.prepareStatement("INSERT INTO model_promotions"
                + " (model_name, version, promoted_by, reason) VALUES (?, ?, ?, ?)")) {
            history.setString(1, modelName);
            history.setInt(2, version);
            history.setString(3, promotedBy);
            history.setString(4, reason);
            history.executeUpdate();
        }
    }

    /**
     * Marks a candidate rejected and records the metrics that rejected it.
     *
     * @throws RegistryException when the version is not a candidate
     */
    public void reject(int version, Map<String, Double> metrics) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE model_versions SET state = 'rejected', metrics = CAST(? AS jsonb)"
                                + " WHERE model_name = ? AND version = ? AND state = 'candidate'")) {
            statement.setString(1, toJson(metrics));
            statement.setString(2, modelName);
            statement.setInt(3, version);
            if (statement.executeUpdate() != 1) {
                throw new RegistryException(modelName + " v" + version + " cannot be rejected: "
                        + find(version).map(m -> "it is " + m.state()).orElse("it is not registered")
                        + "; only candidates can be rejected");
            }
        } catch (SQLException e) {
            throw failure("reject v" + version, e);
        }
    }

    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private Optional<RegisteredModel> queryOne(String sql, Binder binder, String operation) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(read(rows));
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    private RegisteredModel read(ResultSet rows) throws SQLException {
        int parent = rows.getInt("parent_version");
        OptionalInt parentVersion = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(parent);
        Timestamp created = rows.getTimestamp("created_at");
        return new RegisteredModel(modelName, rows.getInt("version"), parentVersion,
                URI.create(rows.getString("artifact_uri")), rows.getString("artifact_sha256"),
                rows.getString("state"), fromJson(rows.getString("metrics")), created.toInstant());
    }

    private RegistryException failure(String operation, SQLException e) {
        return new RegistryException("model registry for " + modelName + ": cannot " + operation + ": "
                + e.getMessage() + " (SQL state " + e.getSQLState() + ")", e);
    }

    private static String toJson(Map<String, Double> metrics) {
        try {
            return JSON.writeValueAsString(metrics);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metrics cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private static Map<String, Double> fromJson(String json) {
        try {
            return JSON.readValue(json, METRICS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("model_versions.metrics is not a JSON object of numbers: " + json, e);
        }
    }
}
