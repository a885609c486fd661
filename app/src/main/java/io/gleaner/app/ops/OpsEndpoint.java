package io.gleaner.app.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One role's ops port: {@code GET /metrics} (Prometheus text of a registry whose meters all carry
 * {@code role=<role>}) and {@code GET /health} ({@link HealthReport} as JSON, 200 when every check
 * is healthy, 503 otherwise). Neither route needs a token and nothing else is served: the port
 * holds no data but counts and states, so it can stay on an internal network beside Prometheus.
 *
 * <p>Open it before the role's work starts, so {@code /health} answers 503 while the role is
 * starting, and close it last. With {@link OpsConfig#off()} no port is opened, but the meters and
 * checks still work (the demo and tests read them directly).
 */
public final class OpsEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsEndpoint.class);
    public static final String METRICS = "/metrics";
    public static final String HEALTH = "/health";

    private final String role;
    private final PrometheusMeterRegistry registry;
    private final Map<String, HealthCheck> checks = new LinkedHashMap<>();
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final HttpServer server;
    private final ExecutorService executor;

    private OpsEndpoint(String role, OpsConfig config) throws IOException {
        this.role = Objects.requireNonNull(role, "role");
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("role", role);
        for (MeterBinder jvm : List.of(new JvmMemoryMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics())) {
            jvm.bindTo(registry);
        }
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        owned.push(gc);
        if (!config.enabled()) {
            this.server = null;
            this.executor = null;
            return;
        }
        try {
            this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (BindException e) {
            registry.close();
            gc.close();
            throw new IllegalStateException("the metrics port " + config.host() + ":" + config.port() + " of " + role
                    + " is taken (" + e.getMessage() + "); give another --metrics-port (GLEANER_METRICS_PORT),"
                    + " 0 for a free one, or -1 for none", e);
        }
        this.executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, role + "-ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Opens the ops endpoint of {@code role} and, unless {@code config} turns it off, its HTTP port;
     * says where on standard output (the port matters when it was chosen at start).
     *
     * @throws IllegalStateException when the port is taken, naming the flag that moves it
     */
    public static OpsEndpoint open(String role, OpsConfig config) {
        try {
            OpsEndpoint endpoint = new OpsEndpoint(role, config);
            endpoint.port().ifPresentOrElse(
                    port -> System.out.printf("%s: metrics on http://%s:%d%s, health on http://%s:%d%s%n", role,
                            config.host(), port, METRICS, config.host(), port, HEALTH),
                    () -> LOG.info("{}: no metrics port (--metrics-port -1)", role));
            return endpoint;
        } catch (IOException e) {
            throw new IllegalStateException("could not open the metrics port of " + role + " on " + config.host() + ":"
                    + config.port() + ": " + e.getMessage(), e);
        }
    }

    public String role() {
        return role;
    }

    /** The registry behind {@code /metrics}; every meter on it carries {@code role}. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The port {@code /metrics} and {@code /health} are on; empty when turned off. */
    public OptionalInt port() {
        return server == null ? OptionalInt.empty() : OptionalInt.of(server.getAddress().getPort());
    }

    /** Binds {@code binder}'s meters; closes it with the endpoint when it is {@link AutoCloseable}. */
    public void bind(MeterBinder binder) {
        binder.bindTo(registry);
        if (binder instanceof AutoCloseable closeable) {
            synchronized (owned) {
                owned.push(closeable);
            }
        }
    }

    /** Runs {@code refresh} before each scrape: for meters whose tags appear as the role runs (trigger names). */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    /** Adds {@code check} to {@code /health} under {@code name}. */
    public void addHealthCheck(String name, HealthCheck check) {
        synchronized (checks) {
            checks.put(name, check);
        }
    }

    /**
     * Watches a role's Kafka Streams app: its client metrics (consumer lag among them) and
     * {@code gleaner_consumer_lag_records} on {@code /metrics}, and its state as the
     * {@code kafka_streams} health check, healthy while RUNNING (or REBALANCING shortly after running).
     */
    public void watch(KafkaStreams streams) {
        StreamsMeters meters = new StreamsMeters(streams);
        bind(meters);
        addHealthCheck("kafka_streams", meters);
    }

    /** The Prometheus text {@code GET /metrics} answers now. */
    public String scrape() {
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }

    /** What {@code GET /health} answers now. */
    public HealthReport health() {
        Map<String, HealthCheck.Result> results = new LinkedHashMap<>();
        synchronized (checks) {
            checks.forEach((name, check) -> results.put(name, run(name, check)));
        }
        return new HealthReport(role, results);
    }

    private static HealthCheck.Result run(String name, HealthCheck check) {
        try {
            return check.check();
        } catch (RuntimeException e) {
            return HealthCheck.Result.down(Map.of("error", name + " check failed: " + e));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8", "only GET " + METRICS + " and GET " + HEALTH + "\n");
            } else if (path.equals(METRICS)) {
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", scrape());
            } else if (path.equals(HEALTH)) {
                HealthReport report = health();
                respond(exchange, report.httpStatus(), "application/json", report.toJson());
            } else {
                respond(exchange, 404, "text/plain; charset=utf-8",
                        "the ops port serves GET " + METRICS + " and GET " + HEALTH + " only\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: ops request {} failed: {}", role, exchange.getRequestURI(), e.toString());
            throw e;
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops the port, then closes what was bound (metric binders, database gauges) and the registry. */
    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        synchronized (owned) {
            while (!owned.isEmpty()) {
                try {
                    owned.pop().close();
                } catch (Exception e) {
                    LOG.warn("{}: closing a metrics binder failed: {}", role, e.toString());
                }
            }
        }
        registry.close();
    }
}
