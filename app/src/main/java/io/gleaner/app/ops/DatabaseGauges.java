package io.gleaner.app.ops;

import io.gleaner.retrain.RetrainOutcome;
import io.gleaner.retrain.RetrainTrigger;
import io.gleaner.scorer.model.ModelSpec;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges read from PostgreSQL (queue depth, labels in the last hour, retrain runs, the live model)
 * and the role's {@code database} health check. The queries run on a thread of their own every
 * {@code refreshEvery}, never on a scrape: a scrape reads the last snapshot, so scraping as often
 * as you like costs the database nothing more, and a database that is away or slow only makes the
 * snapshot old ({@code gleaner_db_up} 0, {@code /health} 503) without taking the role down.
 */
public final class DatabaseGauges implements MeterBinder, HealthCheck, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseGauges.class);
    /** How often the default gauges read the database. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(10);
    private static final int QUERY_TIMEOUT_SECONDS = 5;
    private static final List<String> QUEUE_STATES = List.of("pending", "leased");
    private static final List<String> RUN_OUTCOMES = outcomes();

    /** What a role reads from the database. */
    public enum Reading {
        /** {@code gleaner_queue_tasks{state="pending"|"leased"}}: tasks waiting or being labeled. */
        QUEUE_DEPTH,
        /** {@code gleaner_labels_last_hour}: labels given in the last hour. */
        LABELS_LAST_HOUR,
        /** {@code gleaner_retrain_runs{outcome,trigger}}: retrain runs recorded. */
        RETRAIN_RUNS,
        /** {@code gleaner_model_live_version}: the registry's live version of the model. */
        LIVE_MODEL
    }

    /** The values of one refresh; {@code values} keyed by meter id, e.g. {@code queue:pending}. */
    private record Snapshot(Instant readAt, Map<String, Double> values) {}

    private final DataSource dataSource;
    private final Set<Reading> readings;
    private final String modelName;
    private final Duration refreshEvery;
    private final AtomicReference<Snapshot> last = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>("not read yet");
    private volatile boolean up;
    private ScheduledExecutorService scheduler;

    /**
     * @param readings what to read; empty for only the {@code database} health check
     * @param modelName the model whose live version {@link Reading#LIVE_MODEL} reads
     */
    public DatabaseGauges(DataSource dataSource, Set<Reading> readings, String modelName, Duration refreshEvery) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.readings = readings.isEmpty() ? EnumSet.noneOf(Reading.class) : EnumSet.copyOf(readings);
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        if (refreshEvery.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("database gauges refresh every " + refreshEvery
                    + "; give at least 100 ms, or the gauges become a query per scrape");
        }
        this.refreshEvery = refreshEvery;
    }

    /**
     * Binds gauges of {@code readings} of the default model to {@code endpoint} and adds them as its
     * {@code database} health check; the endpoint stops them when it closes.
     */
    public static DatabaseGauges watch(OpsEndpoint endpoint, DataSource dataSource, Set<Reading> readings,
                                       Duration refreshEvery) {
        DatabaseGauges gauges = new DatabaseGauges(dataSource, readings, ModelSpec.DEFAULT_MODEL_NAME, refreshEvery);
        endpoint.bind(gauges);
        endpoint.addHealthCheck("database", gauges);
        return gauges;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (readings.contains(Reading.QUEUE_DEPTH)) {
            for (String state : QUEUE_STATES) {
                gauge(registry, "gleaner.queue.tasks", "queue:" + state, "Tasks in the labeling queue, by state")
                        .tag("state", state).baseUnit("tasks").register(registry);
            }
        }
        if (readings.contains(Reading.LABELS_LAST_HOUR)) {
            gauge(registry, "gleaner.labels.last.hour", "labels", "Labels given in the last hour (labels per hour)")
                    .register(registry);
        }
        if (readings.contains(Reading.RETRAIN_RUNS)) {
            for (String outcome : RUN_OUTCOMES) {
                for (RetrainTrigger trigger : RetrainTrigger.values()) {
                    gauge(registry, "gleaner.retrain.runs", runKey(outcome, trigger.databaseValue()),
                            "Retrain runs recorded, by outcome and trigger")
                            .tag("outcome", outcome).tag("trigger", trigger.databaseValue()).register(registry);
                }
            }
        }
        if (readings.contains(Reading.LIVE_MODEL)) {
            gauge(registry, "gleaner.model.live.version", "live", "The registry's live model version (NaN: none)")
                    .tag("model", modelName).register(registry);
        }
        Gauge.builder("gleaner.db.up", this, gauges -> gauges.up ? 1 : 0)
                .description("1 when the last database read worked, 0 when it failed").register(registry);
        Gauge.builder("gleaner.db.reading.age", this, DatabaseGauges::ageSeconds)
                .description("Age of the last successful database read (NaN before the first)")
                .baseUnit("seconds").register(registry);
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gleaner-db-gauges");
                thread.setDaemon(true);
                return thread;
            });
            // Fixed delay: a slow database never makes reads pile up.
            scheduler.scheduleWithFixedDelay(this::refresh, 0, refreshEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Gauge.Builder<DatabaseGauges> gauge(MeterRegistry registry, String name, String key, String description) {
        return Gauge.builder(name, this, gauges -> gauges.value(key)).description(description);
    }

    private double value(String key) {
        Snapshot snapshot = last.get();
        return snapshot == null ? Double.NaN : snapshot.values().getOrDefault(key, Double.NaN);
    }

    private double ageSeconds() {
        Snapshot snapshot = last.get();
        return snapshot == null ? Double.NaN : Duration.between(snapshot.readAt(), Instant.now()).toMillis() / 1000.0;
    }

    /** Reads every gauge once now; on failure keeps the last snapshot and marks the database down. */
    void refresh() {
        try (Connection connection = dataSource.getConnection()) {
            Map<String, Double> values = new HashMap<>();
            try (PreparedStatement ping = connection.prepareStatement("SELECT 1")) {
                ping.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                ping.execute();
            }
            if (readings.contains(Reading.QUEUE_DEPTH)) {
                // One count per state, each matching a V5 partial index's predicate exactly, so each is an
                // index-only scan over the open tasks; an IN over both states scans every labeled task ever.
                query(connection, "SELECT (SELECT count(*) FROM edge_case_tasks WHERE state = 'pending'),"
                        + " (SELECT count(*) FROM edge_case_tasks WHERE state = 'leased')", List.of(), rs -> {
                            values.put("queue:pending", (double) rs.getLong(1));
                            values.put("queue:leased", (double) rs.getLong(2));
                        });
            }
            if (readings.contains(Reading.LABELS_LAST_HOUR)) {
                query(connection, "SELECT count(*) FROM labels WHERE created_at > now() - interval '1 hour'",
                        List.of(), rs -> values.put("labels", (double) rs.getLong(1)));
            }
            if (readings.contains(Reading.RETRAIN_RUNS)) {
                for (String outcome : RUN_OUTCOMES) {
                    for (RetrainTrigger trigger : RetrainTrigger.values()) {
                        values.put(runKey(outcome, trigger.databaseValue()), 0.0);
                    }
                }
                query(connection, "SELECT outcome::text, trigger::text, count(*) FROM retrain_runs"
                        + " WHERE model_name = ? GROUP BY outcome, trigger", List.of(modelName),
                        rs -> values.put(runKey(rs.getString(1), rs.getString(2)), (double) rs.getLong(3)));
            }
            if (readings.contains(Reading.LIVE_MODEL)) {
                query(connection, "SELECT max(version) FROM model_versions WHERE model_name = ? AND state = 'live'",
                        List.of(modelName), rs -> {
                            long version = rs.getLong(1);
                            values.put("live", rs.wasNull() ? Double.NaN : version);
                        });
            }
            last.set(new Snapshot(Instant.now(), Map.copyOf(values)));
            if (!up) {
                LOG.info("database reachable again; gauges read every {}", refreshEvery);
            }
            up = true;
            lastError.set("");
        } catch (SQLException | RuntimeException e) {
            if (up || lastError.get().equals("not read yet")) {
                LOG.warn("database gauges could not be read (keeping the last values, /health answers 503 until it"
                        + " works again): {}", e.toString());
            }
            up = false;
            lastError.set(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    private static void query(Connection connection, String sql, List<String> parameters, RowReader reader)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            for (int i = 0; i < parameters.size(); i++) {
                statement.setString(i + 1, parameters.get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    reader.read(rows);
                }
            }
        }
    }

    private static String runKey(String outcome, String trigger) {
        return "runs:" + outcome + ":" + trigger;
    }

    private static List<String> outcomes() {
        List<String> outcomes = new ArrayList<>();
        outcomes.add("running");
        for (RetrainOutcome outcome : RetrainOutcome.values()) {
            outcomes.add(outcome.databaseValue());
        }
        return List.copyOf(outcomes);
    }

    /** Healthy while the last read worked; says when it last did and, if not, why. */
    @Override
    public Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        Snapshot snapshot = last.get();
        details.put("last_read", snapshot == null ? "never" : snapshot.readAt().toString());
        if (!up) {
            details.put("error", lastError.get());
        }
        return up ? Result.up(details) : Result.down(details);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
