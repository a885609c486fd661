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
import java.sql.Types;
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
 * <p>Versions are integers here and decimal strings in manifests and {@code ModelUpdate}s.
 */
public final class ModelRegistry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {};
    private static final String COLUMNS =
            "version, parent_version, artifact_uri, artifact_sha256, state::text AS state, metrics::text AS metrics";

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
     * Records a saved artifact as a candidate, with the metrics in its manifest.
     *
     * @throws IllegalArgumentException when the artifact's manifest names another model, version or parent
     * @throws RegistryException when the version exists already or the parent does not
     */
    public void registerCandidate(int version, OptionalInt parentVersion, ModelArtifact artifact) {
        String manifestVersion = artifact.manifest().version();
        String expectedParent = parentVersion.isPresent() ? Integer.toString(parentVersion.getAsInt()) : "";
        if (!modelName.equals(artifact.manifest().modelName()) || !Integer.toString(version).equals(manifestVersion)
                || !expectedParent.equals(artifact.manifest().parentVersion())) {
            throw new IllegalArgumentException("artifact " + artifact.dir() + " is " + artifact.manifest().modelName()
                    + " v" + manifestVersion + " (parent '" + artifact.manifest().parentVersion() + "'), not " + modelName
                    + " v" + version + " (parent '" + expectedParent + "'); save it with the version it is registered as");
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
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
        } catch (SQLException e) {
            throw failure("register candidate v" + version, e);
        }
    }

    /**
     * Makes {@code version} live and retires the version that was live, in one transaction: readers
     * see either the old live version or the new one, never none or two.
     *
     * @throws RegistryException when the version does not exist or was rejected
     */
    public void promote(int version) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement retire = connection.prepareStatement(
                        "UPDATE model_versions SET state = 'retired'"
                                + " WHERE model_name = ? AND state = 'live' AND version <> ?")) {
                    retire.setString(1, modelName);
                    retire.setInt(2, version);
                    retire.executeUpdate();
                }
                int promoted;
                try (PreparedStatement live = connection.prepareStatement(
                        "UPDATE model_versions SET state = 'live'"
                                + " WHERE model_name = ? AND version = ? AND state IN ('candidate', 'retired', 'live')")) {
                    live.setString(1, modelName);
                    live.setInt(2, version);
                    promoted = live.executeUpdate();
                }
                if (promoted != 1) {
                    throw new RegistryException(modelName + " v" + version + " cannot be promoted: "
                            + find(version).map(m -> "it is " + m.state()).orElse("it is not registered")
                            + "; only candidates and retired versions can go live");
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
                int parent = rows.getInt("parent_version");
                OptionalInt parentVersion = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(parent);
                return Optional.of(new RegisteredModel(modelName, rows.getInt("version"), parentVersion,
                        URI.create(rows.getString("artifact_uri")), rows.getString("artifact_sha256"),
                        rows.getString("state"), fromJson(rows.getString("metrics"))));
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
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
