package io.gleaner.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Retrains asked for by an admin ({@code retrain_requests}) and the runs the retrain service
 * recorded ({@code retrain_runs}), for the API. A request is only a row: the retrain service
 * (module {@code retrain}) picks up every pending request of its model on its next check, starts
 * one run for them and marks them started with that run's id.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class RetrainRequests {
    /** Longest reason kept, as the table's check constraint allows. */
    public static final int MAX_REASON = 500;
    /** Most rows one {@link #recentRequests} or {@link #recentRuns} call returns. */
    public static final int MAX_PAGE = 500;

    private final DataSource dataSource;

    public RetrainRequests(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * One admin request.
     *
     * @param runId the run that answered it, null while pending
     */
    public record Request(long requestId, String modelName, String requestedBy, String reason, String state, Long runId,
            Instant requestedAt) {}

    /**
     * One retrain run.
     *
     * @param candidateVersion null until a candidate was registered
     * @param outcome running, promoted, rejected or failed
     * @param finishedAt null while running
     */
    public record Run(long runId, String modelName, String trigger, String reason, int baseVersion,
            Integer candidateVersion, String outcome, int labelsUsed, String detail, Instant startedAt,
            Instant finishedAt) {}

    /**
     * Records a request for a retrain of {@code modelName}, or of the only registered model when it is null.
     *
     * @throws IllegalArgumentException when the reason is blank or too long, the model is not
     *     registered, or it is null and not exactly one model is
     */
    public Request request(String modelName, String requestedBy, String reason) {
        Objects.requireNonNull(requestedBy, "requestedBy");
        String why = reason == null ? "" : reason.strip();
        if (why.isEmpty() || why.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason has " + why.length() + " characters; say why the model should be"
                    + " retrained in 1 .. " + MAX_REASON + " characters");
        }
        try (Connection connection = dataSource.getConnection()) {
            List<String> models = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT DISTINCT model_name FROM model_versions ORDER BY model_name");
                    ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    models.add(rows.getString(1));
                }
            }
            String model;
            if (modelName == null) {
                if (models.size() != 1) {
                    throw new IllegalArgumentException(models.isEmpty()
                            ? "no model is registered yet, so there is nothing to retrain; start gleaner retrain first"
                            : "several models are registered (" + String.join(", ", models) + "); name one in \"model\"");
                }
                model = models.get(0);
            } else if (!models.contains(modelName)) {
                throw new IllegalArgumentException("no model named '" + modelName + "' is registered"
                        + (models.isEmpty() ? "" : "; registered: " + String.join(", ", models)));
            } else {
                model = modelName;
            }
            try (PreparedStatement statement = connection.prepareStatement(
                    "INSERT INTO retrain_requests (model_name, requested_by, reason) VALUES (?, ?, ?)"
                            + " RETURNING request_id, model_name, requested_by, reason, state::text, run_id, requested_at")) {
                statement.setString(1, model);
                statement.setString(2, requestedBy);
                statement.setString(3, why);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    return request(rows);
                }
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("recording a retrain request", e);
        }
    }

    /** The most recent requests, newest first. */
    public List<Request> recentRequests(int limit) {
        requirePage(limit);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT request_id, model_name, requested_by, reason, state::text, run_id, requested_at"
                                + " FROM retrain_requests ORDER BY request_id DESC LIMIT ?")) {
            statement.setInt(1, limit);
            try (ResultSet rows = statement.executeQuery()) {
                List<Request> requests = new ArrayList<>();
                while (rows.next()) {
                    requests.add(request(rows));
                }
                return requests;
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("reading retrain requests", e);
        }
    }

    /** The most recent retrain runs, newest first. */
    public List<Run> recentRuns(int limit) {
        requirePage(limit);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT run_id, model_name, trigger::text, reason, base_version, candidate_version,"
                                + " outcome::text, labels_used, detail, started_at, finished_at"
                                + " FROM retrain_runs ORDER BY run_id DESC LIMIT ?")) {
            statement.setInt(1, limit);
            try (ResultSet rows = statement.executeQuery()) {
                List<Run> runs = new ArrayList<>();
                while (rows.next()) {
                    int candidate = rows.getInt(6);
                    Integer candidateVersion = rows.wasNull() ? null : candidate;
                    Timestamp finished = rows.getTimestamp(11);
                    runs.add(new Run(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getInt(5), candidateVersion, rows.getString(7), rows.getInt(8), rows.getString(9),
                            rows.getTimestamp(10).toInstant(), finished == null ? null : finished.toInstant()));
                }
                return runs;
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("reading retrain runs", e);
        }
    }

    private static void requirePage(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit is " + limit + "; ask for 1 .. " + MAX_PAGE);
        }
    }

    private static Request request(ResultSet rows) throws SQLException {
        long run = rows.getLong(6);
        Long runId = rows.wasNull() ? null : run;
        return new Request(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4), rows.getString(5),
                runId, rows.getTimestamp(7).toInstant());
    }
}
