package io.gleaner.queue.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gleaner.queue.CampaignDraft;
import io.gleaner.queue.ExportedLabel;
import io.gleaner.queue.FlagReason;
import io.gleaner.queue.Label;
import io.gleaner.queue.LabelStudioExport;
import io.gleaner.queue.LabelStudioImport;
import io.gleaner.queue.LeaseException;
import io.gleaner.queue.Lineage;
import io.gleaner.queue.QueueAdmin;
import io.gleaner.queue.QueueDatabaseException;
import io.gleaner.queue.QueueStats;
import io.gleaner.queue.RecordedLabel;
import io.gleaner.queue.RetrainRequests;
import io.gleaner.queue.SimilarTask;
import io.gleaner.queue.SimilarTasks;
import io.gleaner.queue.Submission;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskConflictException;
import io.gleaner.queue.TaskDetail;
import io.gleaner.queue.TaskEmbedding;
import io.gleaner.queue.TaskFlag;
import io.gleaner.queue.TaskImage;
import io.gleaner.queue.TaskNotFoundException;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TeamReport;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.Exemplar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeling queue's REST + JSON API on the JDK's {@code com.sun.net.httpserver}. Every route
 * but {@code /health} needs {@code Authorization: Bearer <token>} ({@link ApiTokens}); every
 * error is {@code {"error": code, "reason": text}}; request bodies over
 * {@link ServeConfig#maxRequestBytes()} get 413; every SQL value is bound.
 *
 * <table>
 *   <caption>Routes (all JSON unless said otherwise)</caption>
 *   <tr><th>route</th><th>who</th><th>what</th></tr>
 *   <tr><td>GET /health</td><td>anyone</td><td>{@code {"status":"ok"}}, 503 when the database is down</td></tr>
 *   <tr><td>GET /</td><td>anyone</td><td>302 to the dashboard</td></tr>
 *   <tr><td>GET /ui/{file}</td><td>anyone</td><td>the dashboard's HTML, JavaScript and CSS ({@link DashboardFiles}),
 *       with a strict content security policy; they hold no data, so they need no token</td></tr>
 *   <tr><td>GET /api/v1/me</td><td>any token</td><td>the caller's labeler id and role</td></tr>
 *   <tr><td>POST /api/v1/claims</td><td>labeler</td><td>{@code {"max", "leaseSeconds"}} → leased tasks</td></tr>
 *   <tr><td>GET /api/v1/stats</td><td>labeler</td><td>tasks by state, labels</td></tr>
 *   <tr><td>GET /api/v1/team?hours=</td><td>labeler</td><td>queue depth by trigger, labels per hour,
 *       harvest precision by trigger, labeler agreement: the team view's charts</td></tr>
 *   <tr><td>GET /api/v1/models</td><td>labeler</td><td>the registered model versions, oldest first: the team
 *       view's timeline</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}</td><td>lease holder, admin</td><td>detail: model outputs, human action,
 *       triggers, lease; admins also see the labels (labelers label blind)</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}/image</td><td>lease holder, admin</td><td>the image bytes</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}/similar?k=</td><td>admin</td><td>"more like this": the k (default
 *       {@value #DEFAULT_SIMILAR}) tasks whose stored embeddings are nearest by cosine among the most recent
 *       {@link SimilarTasks#window()} ({@link SimilarTasks}); admins only, since it shows tasks the caller
 *       does not hold</td></tr>
 *   <tr><td>POST /api/v1/campaigns</td><td>admin</td><td>{@code {"name", "exemplarTaskIds", "threshold",
 *       "budget", "until"}} → 201 the campaign, published through the {@link CampaignPublisher}; exemplars are
 *       the tasks' stored embeddings, the center is the mean embedding of the recent tasks searched.
 *       503 {@code campaigns_disabled} when the server has no publisher ({@code gleaner serve} without
 *       {@code --bootstrap-servers})</td></tr>
 *   <tr><td>POST /api/v1/retrain</td><td>admin</td><td>{@code {"reason", "model"}} → 201 a retrain request
 *       ({@link RetrainRequests}); the retrain service starts a run for it on its next check (the model may be
 *       left out when only one is registered)</td></tr>
 *   <tr><td>GET /api/v1/retrain?limit=</td><td>admin</td><td>the most recent requests and retrain runs (trigger,
 *       reason, outcome), newest first</td></tr>
 *   <tr><td>GET /api/v1/lineage/labels/{id}</td><td>admin</td><td>a label's frame, the triggers that harvested
 *       it, the model version that scored it, and every model version trained or judged on it ({@link Lineage})</td></tr>
 *   <tr><td>GET /api/v1/lineage/models/{model}/{version}?afterLabelId=&amp;limit=</td><td>admin</td><td>a page
 *       of the labels the version was trained and judged on; header {@code X-Next-After-Label-Id} pages on</td></tr>
 *   <tr><td>POST /api/v1/tasks/{id}/heartbeat</td><td>lease holder</td><td>{@code {"leaseSeconds"}} → new expiry</td></tr>
 *   <tr><td>POST /api/v1/tasks/{id}/labels</td><td>lease holder</td>
 *       <td>{@code {"scene", "steering", "acceleration", "notes"}} → 201 label id and task state</td></tr>
 *   <tr><td>POST /api/v1/tasks/{id}/skip</td><td>lease holder</td><td>{@code {"reason", "note"}}: set aside</td></tr>
 *   <tr><td>POST /api/v1/tasks/{id}/flags</td><td>lease holder</td><td>{@code {"reason", "note"}}: remark, 201</td></tr>
 *   <tr><td>POST /api/v1/tasks/{id}/release</td><td>lease holder</td><td>give the lease back</td></tr>
 *   <tr><td>PATCH /api/v1/tasks/{id}</td><td>admin</td><td>{@code {"priority", "labelsRequired", "maxLabels"}}</td></tr>
 *   <tr><td>DELETE /api/v1/tasks/{id}</td><td>admin</td><td>purge one unlabeled task, 204</td></tr>
 *   <tr><td>POST /api/v1/purge</td><td>admin</td><td>{@code {"states", "harvestedBefore"}} → count</td></tr>
 *   <tr><td>GET /api/v1/export?afterLabelId=&amp;limit=</td><td>admin</td><td>a page of labels with context</td></tr>
 *   <tr><td>GET /api/v1/export/label-studio?afterTaskId=&amp;limit=</td><td>admin</td><td>a page of tasks
 *       (images inline, model outputs as predictions, labels as annotations) as the bare JSON list Label Studio
 *       imports; header {@code X-Next-After-Task-Id} pages on ({@link io.gleaner.queue.LabelStudioFormat})</td></tr>
 *   <tr><td>GET /api/v1/export/label-studio/config</td><td>admin</td><td>the labeling config (XML) those
 *       tasks assume</td></tr>
 *   <tr><td>POST /api/v1/import/label-studio</td><td>admin</td><td>a Label Studio JSON export (up to
 *       {@value #MAX_IMPORT_BYTES} bytes) → counts of labels imported and left out
 *       ({@link io.gleaner.queue.LabelStudioImport}); never overwrites a label</td></tr>
 * </table>
 *
 * <p>The dashboard keeps the token in the tab's {@code sessionStorage} and sends it as a bearer
 * header; the server never sets or reads a cookie, so a page on another site cannot make a
 * logged-in browser call the API (no CSRF surface), and the CSP allows no inline script that could
 * read the token.
 *
 * <p>Status codes: 400 malformed JSON, 401 no or bad token, 403 wrong role or not the lease holder,
 * 404 no such route or task, 405 wrong method, 409 lease or state conflict, 413 body too large,
 * 422 invalid values, 503 database unavailable. Tokens and request bodies are never logged.
 */
public final class QueueApiServer implements AutoCloseable {
    /** Prefix of every authenticated route. */
    public static final String API = "/api/v1";

    /** Where the dashboard's files are; {@code /} redirects here. */
    public static final String DASHBOARD = "/ui/";

    /**
     * The dashboard's content security policy: its own scripts and styles only (no inline code),
     * images from itself or from blobs it made (task images are fetched with the token and shown
     * as blob URLs), requests only to this server, no frames, forms or plugins.
     */
    static final String DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Logger LOG = LoggerFactory.getLogger(QueueApiServer.class);
    private static final int SWEEP_BATCH = 1_000;
    private static final Pattern TASK_ID = Pattern.compile("[1-9][0-9]{0,17}");
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Set<String> RETRAIN_FIELDS = Set.of("model", "reason");
    private static final Set<String> CLAIM_FIELDS = Set.of("max", "leaseSeconds");
    private static final Set<String> LEASE_FIELDS = Set.of("leaseSeconds");
    private static final Set<String> LABEL_FIELDS = Set.of("scene", "steering", "acceleration", "notes");
    private static final Set<String> FLAG_FIELDS = Set.of("reason", "note");
    private static final Set<String> PATCH_FIELDS = Set.of("priority", "labelsRequired", "maxLabels");
    private static final Set<String> PURGE_FIELDS = Set.of("states", "harvestedBefore");
    private static final Set<String> NO_FIELDS = Set.of();
    private static final Set<String> CAMPAIGN_FIELDS = Set.of("name", "exemplarTaskIds", "threshold", "budget", "until");
    static final int DEFAULT_SIMILAR = 12;
    private static final int DEFAULT_EXPORT_PAGE = 1000;
    private static final int DEFAULT_LABEL_STUDIO_PAGE = 100;
    /**
     * Largest Label Studio export the import route takes (admins only, after the token check): about
     * 10,000 annotations. Larger files go through {@code gleaner labels import}, which reads from disk.
     */
    static final int MAX_IMPORT_BYTES = 8 * 1024 * 1024;
    private static final long MAX_DRAIN_BYTES = 4L * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService leaseSweeper;
    private final DataSource dataSource;
    private final ServeConfig config;
    private final TaskQueue queue;
    private final QueueAdmin admin;
    private final ApiTokens tokens;
    private final TeamReport report;
    private final LabelStudioExport labelStudioExport;
    private final LabelStudioImport labelStudioImport;
    private final SimilarTasks similar;
    private final RetrainRequests retrainRequests;
    private final Lineage lineage;
    /** Null when campaigns cannot be started from here. */
    private final CampaignPublisher campaigns;
    /** A body with a key twice is refused: two readers of it could disagree on which one counts. */
    private final ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private QueueApiServer(DataSource dataSource, ServeConfig config, CampaignPublisher campaigns) throws IOException {
        this.dataSource = dataSource;
        this.campaigns = campaigns;
        this.similar = new SimilarTasks(dataSource, SimilarTasks.DEFAULT_WINDOW);
        this.retrainRequests = new RetrainRequests(dataSource);
        this.lineage = new Lineage(dataSource);
        this.config = config;
        this.queue = new TaskQueue(dataSource, config.consensus(), config.batchSlots());
        this.admin = new QueueAdmin(dataSource);
        this.tokens = new ApiTokens(dataSource);
        this.report = new TeamReport(dataSource, config.consensus());
        this.labelStudioExport = new LabelStudioExport(dataSource, queue);
        this.labelStudioImport = new LabelStudioImport(dataSource, queue);
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        this.executor = Executors.newFixedThreadPool(config.threads(), runnable -> {
            Thread thread = new Thread(runnable, "queue-api");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        this.leaseSweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "queue-lease-sweeper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts answering requests and sweeping lapsed leases. */
    private void begin() {
        server.start();
        long every = config.leaseSweepEvery().toMillis();
        leaseSweeper.scheduleWithFixedDelay(this::sweepLapsedLeases, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns leases that lapsed over {@link ServeConfig#leaseSweepGrace} ago to pending ({@link
     * TaskQueue#returnLapsedLeases}), a batch at a time until none is left. Any instance may
     * sweep; a failure (the database away) is logged and the next sweep tries again.
     */
    private void sweepLapsedLeases() {
        try {
            int returned = 0;
            int batch;
            do {
                batch = queue.returnLapsedLeases(config.leaseSweepGrace(), SWEEP_BATCH);
                returned += batch;
            } while (batch == SWEEP_BATCH);
            if (returned > 0) {
                LOG.info("returned {} tasks whose lease lapsed over {} s ago to pending", returned,
                        config.leaseSweepGrace().toSeconds());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not sweep lapsed leases (the next sweep tries again in {} s): {}",
                    config.leaseSweepEvery().toSeconds(), e.toString());
        }
    }

    /** Starts serving without campaigns ({@code POST /api/v1/campaigns} answers 503); close to stop. */
    public static QueueApiServer start(DataSource dataSource, ServeConfig config) throws IOException {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        QueueApiServer api = new QueueApiServer(dataSource, config, null);
        api.begin();
        return api;
    }

    /** Starts serving, publishing the campaigns admins start to {@code campaigns}; close to stop. */
    public static QueueApiServer start(DataSource dataSource, ServeConfig config, CampaignPublisher campaigns)
            throws IOException {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(campaigns, "campaigns");
        QueueApiServer api = new QueueApiServer(dataSource, config, campaigns);
        api.begin();
        return api;
    }

    /** The queue its requests work on, for its meters. */
    public TaskQueue queue() {
        return queue;
    }

    /** The port it listens on (the chosen one when the config asked for 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, lets requests in flight finish for up to a second, and stops the threads. */
    @Override
    public void close() {
        leaseSweeper.shutdownNow();
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        int status;
        try {
            status = route(exchange, method, path);
        } catch (ApiException e) {
            status = sendError(exchange, e.status(), e.error(), e.getMessage());
        } catch (TaskNotFoundException e) {
            status = sendError(exchange, 404, "task_not_found", e.getMessage());
        } catch (LeaseException e) {
            status = sendError(exchange, 409, "lease_conflict", e.getMessage());
        } catch (TaskConflictException e) {
            status = sendError(exchange, 409, "conflict", e.getMessage());
        } catch (IllegalArgumentException e) {
            status = sendError(exchange, 422, "invalid", e.getMessage());
        } catch (QueueDatabaseException e) {
            LOG.error("{} {}: database failed", method, path, e);
            status = sendError(exchange, 503, "database_unavailable",
                    "the queue's database did not answer; retry shortly");
        } catch (RuntimeException e) {
            LOG.error("{} {}: unexpected failure", method, path, e);
            status = sendError(exchange, 500, "internal", "the server failed; the log has the details");
        } finally {
            exchange.close();
        }
        LOG.debug("{} {} -> {}", method, path, status);
    }

    private int route(HttpExchange exchange, String method, String path) {
        if (path.equals("/health")) {
            requireMethod(method, "GET");
            return health(exchange);
        }
        if (path.equals("/")) {
            requireMethod(method, "GET");
            exchange.getResponseHeaders().set("Location", DASHBOARD);
            return sendEmpty(exchange, 302);
        }
        if (path.startsWith(DASHBOARD)) {
            requireMethod(method, "GET");
            return dashboard(exchange, path.substring(DASHBOARD.length()));
        }
        if (!path.startsWith(API + "/")) {
            throw ApiException.notFound("no route " + JsonBody.shown(path) + ": the API is under " + API
                    + ", the dashboard under " + DASHBOARD);
        }
        String[] parts = path.substring(API.length() + 1).split("/", -1);
        Caller caller = authenticate(exchange);
        switch (parts[0]) {
            case "me":
                requireParts(parts, 1, path);
                requireMethod(method, "GET");
                return send(exchange, 200, mapper.createObjectNode()
                        .put("labelerId", caller.labelerId()).put("role", caller.role()));
            case "claims":
                requireParts(parts, 1, path);
                requireMethod(method, "POST");
                return claim(exchange, caller);
            case "stats":
                requireParts(parts, 1, path);
                requireMethod(method, "GET");
                return stats(exchange);
            case "team":
                requireParts(parts, 1, path);
                requireMethod(method, "GET");
                return team(exchange);
            case "models":
                requireParts(parts, 1, path);
                requireMethod(method, "GET");
                return models(exchange);
            case "purge":
                requireParts(parts, 1, path);
                requireMethod(method, "POST");
                requireAdmin(caller, "purge");
                return purge(exchange);
            case "export":
                requireMethod(method, "GET");
                requireAdmin(caller, "export");
                if (parts.length == 1) {
                    return export(exchange);
                }
                if (parts[1].equals("label-studio") && parts.length == 2) {
                    return exportLabelStudio(exchange);
                }
                if (parts[1].equals("label-studio") && parts.length == 3 && parts[2].equals("config")) {
                    exchange.getResponseHeaders().set("Content-Type", "application/xml; charset=utf-8");
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
                    return write(exchange, 200, labelStudioExport.labelingConfig().getBytes(StandardCharsets.UTF_8));
                }
                throw ApiException.notFound("no route " + JsonBody.shown(path));
            case "import":
                if (parts.length != 2 || !parts[1].equals("label-studio")) {
                    throw ApiException.notFound("no route " + JsonBody.shown(path)
                            + ": Label Studio exports are imported at " + API + "/import/label-studio");
                }
                requireMethod(method, "POST");
                requireAdmin(caller, "import");
                return importLabelStudio(exchange);
            case "tasks":
                return task(exchange, method, path, parts, caller);
            case "retrain":
                requireParts(parts, 1, path);
                requireAdmin(caller, "retraining");
                switch (method) {
                    case "POST":
                        return requestRetrain(exchange, caller);
                    case "GET":
                        return retrainStatus(exchange);
                    default:
                        throw methodNotAllowed(method, "GET, POST");
                }
            case "lineage":
                requireMethod(method, "GET");
                requireAdmin(caller, "lineage");
                return lineage(exchange, path, parts);
            case "campaigns":
                requireParts(parts, 1, path);
                requireMethod(method, "POST");
                requireAdmin(caller, "starting a campaign");
                return startCampaign(exchange);
            default:
                throw ApiException.notFound("no route " + JsonBody.shown(path));
        }
    }

    private int task(HttpExchange exchange, String method, String path, String[] parts, Caller caller) {
        if (parts.length < 2 || parts.length > 3 || !TASK_ID.matcher(parts[1]).matches()) {
            throw ApiException.notFound("no route " + JsonBody.shown(path)
                    + ": tasks are at " + API + "/tasks/{id} with a positive whole-number id");
        }
        long taskId = Long.parseLong(parts[1]);
        if (parts.length == 2) {
            switch (method) {
                case "GET":
                    return detail(exchange, caller, taskId);
                case "PATCH":
                    requireAdmin(caller, "re-prioritise");
                    return patch(exchange, taskId);
                case "DELETE":
                    requireAdmin(caller, "purge");
                    readBody(exchange, NO_FIELDS);
                    admin.purgeTask(taskId);
                    return sendEmpty(exchange, 204);
                default:
                    throw methodNotAllowed(method, "GET, PATCH, DELETE");
            }
        }
        String action = parts[2];
        if (action.equals("image")) {
            requireMethod(method, "GET");
            return image(exchange, caller, taskId);
        }
        if (action.equals("similar")) {
            requireMethod(method, "GET");
            requireAdmin(caller, "more like this");
            return similar(exchange, taskId);
        }
        requireMethod(method, "POST");
        switch (action) {
            case "heartbeat": {
                JsonBody body = readBody(exchange, LEASE_FIELDS);
                Instant expires = queue.heartbeat(taskId, caller.labelerId(), lease(body));
                return send(exchange, 200, mapper.createObjectNode()
                        .put("taskId", taskId).put("leaseExpiresAt", expires.toString()));
            }
            case "labels": {
                JsonBody body = readBody(exchange, LABEL_FIELDS);
                Label label = new Label(body.requiredText("scene"), action(body, "steering"),
                        action(body, "acceleration"), body.optionalText("notes"));
                Submission submission = queue.submit(taskId, caller.labelerId(), label);
                return send(exchange, 201, mapper.createObjectNode()
                        .put("labelId", submission.labelId())
                        .put("completesTask", submission.completesTask())
                        .put("taskState", submission.taskState()));
            }
            case "skip": {
                JsonBody body = readBody(exchange, FLAG_FIELDS);
                queue.skip(taskId, caller.labelerId(), FlagReason.fromLabeler(body.requiredText("reason")),
                        body.optionalText("note"));
                return send(exchange, 200, mapper.createObjectNode().put("taskId", taskId).put("taskState", "skipped"));
            }
            case "flags": {
                JsonBody body = readBody(exchange, FLAG_FIELDS);
                queue.flag(taskId, caller.labelerId(), FlagReason.fromLabeler(body.requiredText("reason")),
                        body.optionalText("note"));
                return send(exchange, 201, mapper.createObjectNode().put("taskId", taskId).put("flagged", true));
            }
            case "release": {
                readBody(exchange, NO_FIELDS);
                if (!queue.release(taskId, caller.labelerId())) {
                    throw new LeaseException("task " + taskId + " is not leased to " + caller.labelerId()
                            + ": nothing to release");
                }
                return send(exchange, 200, mapper.createObjectNode().put("taskId", taskId).put("taskState", "pending"));
            }
            default:
                throw ApiException.notFound("no route " + JsonBody.shown(path));
        }
    }

    /**
     * A dashboard file, served without a token: the files hold no data, and every call they make
     * to the API sends the token the labeler typed in.
     */
    private int dashboard(HttpExchange exchange, String name) {
        DashboardFiles.File file = DashboardFiles.find(name.isEmpty() ? "index.html" : name)
                .orElseThrow(() -> ApiException.notFound("no dashboard file " + JsonBody.shown(name)
                        + ": the dashboard starts at " + DASHBOARD));
        exchange.getResponseHeaders().set("Content-Type", file.contentType());
        exchange.getResponseHeaders().set("Content-Security-Policy", DASHBOARD_CSP);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        return write(exchange, 200, file.bytes());
    }

    private int health(HttpExchange exchange) {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(2)) {
                return sendError(exchange, 503, "database_unavailable", "the queue's database did not answer");
            }
        } catch (SQLException e) {
            return sendError(exchange, 503, "database_unavailable", "the queue's database did not answer");
        }
        return send(exchange, 200, mapper.createObjectNode().put("status", "ok"));
    }

    private int claim(HttpExchange exchange, Caller caller) {
        JsonBody body = readBody(exchange, CLAIM_FIELDS);
        Integer max = body.optionalInt("max");
        List<Task> tasks = queue.claim(caller.labelerId(), max == null ? 1 : max, lease(body));
        ArrayNode array = mapper.createArrayNode();
        for (Task task : tasks) {
            ObjectNode node = array.addObject()
                    .put("taskId", task.taskId())
                    .put("frameId", task.frameId())
                    .put("vehicleId", task.vehicleId())
                    .put("priority", task.priority())
                    .put("leaseExpiresAt", task.leaseExpiresAt().toString())
                    .put("modelVersion", task.modelVersion())
                    .put("url", API + "/tasks/" + task.taskId());
            node.putObject("image")
                    .put("encoding", task.imageEncoding())
                    .put("width", task.width())
                    .put("height", task.height())
                    .put("url", API + "/tasks/" + task.taskId() + "/image");
            node.putObject("humanAction")
                    .put("steering", task.humanSteering())
                    .put("acceleration", task.humanAcceleration());
        }
        ObjectNode response = mapper.createObjectNode();
        response.set("tasks", array);
        return send(exchange, 200, response);
    }

    private int stats(HttpExchange exchange) {
        QueueStats stats = queue.stats();
        return send(exchange, 200, mapper.createObjectNode()
                .put("pending", stats.pending())
                .put("leased", stats.leased())
                .put("labeled", stats.labeled())
                .put("skipped", stats.skipped())
                .put("labels", stats.labels()));
    }

    private int team(HttpExchange exchange) {
        long hours = longParameter(query(exchange.getRequestURI()), "hours", 24);
        if (hours < 1 || hours > 720) {
            throw ApiException.invalid("query parameter hours is " + hours + ", must be 1 .. 720");
        }
        ObjectNode response = mapper.createObjectNode();
        ArrayNode depth = response.putArray("depthByTrigger");
        report.depthByTrigger().forEach(d -> depth.addObject().put("trigger", d.trigger()).put("pending", d.pending()));
        ArrayNode perHour = response.putArray("labelsPerHour");
        report.labelsPerHour((int) hours).forEach(h -> perHour.addObject()
                .put("hour", h.hour().toString()).put("labels", h.labels()));
        ArrayNode precision = response.putArray("precisionByTrigger");
        report.precisionByTrigger().forEach(p -> precision.addObject()
                .put("trigger", p.trigger()).put("labeled", p.labeled()).put("modelWrong", p.modelWrong())
                .put("precision", p.precision()));
        ArrayNode agreement = response.putArray("agreement");
        report.agreement().forEach(a -> agreement.addObject()
                .put("labelerId", a.labelerId()).put("compared", a.compared()).put("agreed", a.agreed()));
        return send(exchange, 200, response);
    }

    private int models(HttpExchange exchange) {
        ObjectNode response = mapper.createObjectNode();
        ArrayNode versions = response.putArray("versions");
        for (TeamReport.ModelVersion v : report.modelVersions()) {
            ObjectNode node = versions.addObject()
                    .put("model", v.modelName())
                    .put("version", v.version())
                    .put("state", v.state())
                    .put("createdAt", v.createdAt().toString());
            if (v.parentVersion() == null) {
                node.putNull("parentVersion");
            } else {
                node.put("parentVersion", v.parentVersion());
            }
            try {
                node.set("metrics", mapper.readTree(v.metricsJson()));
            } catch (IOException e) {
                throw new UncheckedIOException("metrics of model " + v.modelName() + " v" + v.version(), e);
            }
        }
        return send(exchange, 200, response);
    }

    private int detail(HttpExchange exchange, Caller caller, long taskId) {
        TaskDetail detail = queue.detail(taskId);
        requireReadable(caller, detail);
        ObjectNode node = mapper.createObjectNode()
                .put("taskId", detail.taskId())
                .put("frameId", detail.frameId())
                .put("vehicleId", detail.vehicleId())
                .put("captureTime", detail.captureTime().toString())
                .put("harvestedAt", detail.harvestedAt().toString())
                .put("priority", detail.priority())
                .put("state", detail.state())
                .put("attempts", detail.attempts());
        ObjectNode image = node.putObject("image")
                .put("encoding", detail.imageEncoding())
                .put("width", detail.width())
                .put("height", detail.height());
        if (detail.imageUri() == null) {
            image.put("url", API + "/tasks/" + taskId + "/image");
        } else {
            image.put("uri", detail.imageUri());
        }
        node.putObject("humanAction")
                .put("steering", detail.humanSteering())
                .put("acceleration", detail.humanAcceleration());
        ObjectNode model = node.putObject("model").put("version", detail.modelVersion());
        ObjectNode scenes = model.putObject("sceneProbabilities");
        detail.sceneProbabilities().forEach(scenes::put);
        model.putObject("predictedAction")
                .put("steering", detail.predictedSteering())
                .put("acceleration", detail.predictedAcceleration());
        ArrayNode triggers = node.putArray("triggers");
        detail.triggers().forEach(t -> triggers.addObject()
                .put("name", t.name()).put("score", t.score()).put("threshold", t.threshold()));
        if (detail.leaseOwner() == null) {
            node.putNull("lease");
        } else {
            node.putObject("lease").put("owner", detail.leaseOwner())
                    .put("expiresAt", detail.leaseExpiresAt().toString());
        }
        node.putObject("consensus")
                .put("labelsRequired", detail.labelsRequired())
                .put("maxLabels", detail.maxLabels())
                .put("labelCount", detail.labels().size());
        if (caller.isAdmin()) {
            ArrayNode labels = node.putArray("labels");
            for (RecordedLabel label : detail.labels()) {
                labels.addObject()
                        .put("labelId", label.labelId())
                        .put("labelerId", label.labelerId())
                        .put("scene", label.label().scene())
                        .put("steering", label.label().steering())
                        .put("acceleration", label.label().acceleration())
                        .put("notes", label.label().notes())
                        .put("completesTask", label.completesTask())
                        .put("createdAt", label.createdAt().toString());
            }
        }
        ArrayNode flags = node.putArray("flags");
        for (TaskFlag flag : detail.flags()) {
            flags.addObject()
                    .put("kind", flag.skip() ? "skip" : "flag")
                    .put("reason", flag.reason().code())
                    .put("note", flag.note())
                    .put("labelerId", flag.labelerId())
                    .put("createdAt", flag.createdAt().toString());
        }
        return send(exchange, 200, node);
    }

    private int requestRetrain(HttpExchange exchange, Caller caller) {
        JsonBody body = readBody(exchange, RETRAIN_FIELDS);
        RetrainRequests.Request request = retrainRequests.request(body.optionalText("model"), caller.labelerId(),
                body.optionalText("reason"));
        LOG.info("{} asked for a retrain of {} (request {})", caller.labelerId(), request.modelName(),
                request.requestId());
        return send(exchange, 201, requestNode(mapper.createObjectNode(), request));
    }

    private ObjectNode requestNode(ObjectNode node, RetrainRequests.Request request) {
        node.put("requestId", request.requestId())
                .put("model", request.modelName())
                .put("requestedBy", request.requestedBy())
                .put("reason", request.reason())
                .put("state", request.state())
                .put("requestedAt", request.requestedAt().toString());
        if (request.runId() == null) {
            node.putNull("runId");
        } else {
            node.put("runId", request.runId());
        }
        return node;
    }

    private int retrainStatus(HttpExchange exchange) {
        long limit = longParameter(query(exchange.getRequestURI()), "limit", 20);
        if (limit < 1 || limit > RetrainRequests.MAX_PAGE) {
            throw ApiException.invalid("query parameter limit is " + limit + ", must be 1 .. " + RetrainRequests.MAX_PAGE);
        }
        ObjectNode response = mapper.createObjectNode();
        ArrayNode requests = response.putArray("requests");
        retrainRequests.recentRequests((int) limit).forEach(r -> requestNode(requests.addObject(), r));
        ArrayNode runs = response.putArray("runs");
        for (RetrainRequests.Run run : retrainRequests.recentRuns((int) limit)) {
            ObjectNode node = runs.addObject()
                    .put("runId", run.runId())
                    .put("model", run.modelName())
                    .put("trigger", run.trigger())
                    .put("reason", run.reason())
                    .put("baseVersion", run.baseVersion())
                    .put("outcome", run.outcome())
                    .put("labelsUsed", run.labelsUsed())
                    .put("detail", run.detail())
                    .put("startedAt", run.startedAt().toString())
                    .put("finishedAt", run.finishedAt() == null ? null : run.finishedAt().toString());
            if (run.candidateVersion() == null) {
                node.putNull("candidateVersion");
            } else {
                node.put("candidateVersion", run.candidateVersion());
            }
        }
        return send(exchange, 200, response);
    }

    private int lineage(HttpExchange exchange, String path, String[] parts) {
        if (parts.length == 3 && parts[1].equals("labels") && TASK_ID.matcher(parts[2]).matches()) {
            long labelId = Long.parseLong(parts[2]);
            Lineage.LabelLineage label = lineage.ofLabel(labelId)
                    .orElseThrow(() -> ApiException.notFound("no label " + labelId));
            ObjectNode node = mapper.createObjectNode()
                    .put("labelId", label.labelId())
                    .put("labelerId", label.labelerId())
                    .put("scene", label.scene())
                    .put("steering", label.steering())
                    .put("acceleration", label.acceleration())
                    .put("labeledAt", label.labeledAt().toString());
            ObjectNode frame = node.putObject("frame")
                    .put("taskId", label.taskId())
                    .put("frameId", label.frameId())
                    .put("vehicleId", label.vehicleId())
                    .put("captureTime", label.captureTime().toString())
                    .put("harvestedAt", label.harvestedAt().toString())
                    .put("scoredBy", label.scoredBy());
            try {
                frame.set("triggers", mapper.readTree(label.triggersJson()));
            } catch (IOException e) {
                throw new UncheckedIOException("triggers of task " + label.taskId(), e);
            }
            ArrayNode usedBy = node.putArray("usedBy");
            label.usedBy().forEach(u -> usedBy.addObject().put("model", u.modelName()).put("version", u.version())
                    .put("usedAs", u.usedAs()).put("state", u.state()));
            return send(exchange, 200, node);
        }
        if (parts.length == 4 && parts[1].equals("models") && MODEL_NAME.matcher(parts[2]).matches()
                && TASK_ID.matcher(parts[3]).matches() && parts[3].length() <= 9) {
            Map<String, String> query = query(exchange.getRequestURI());
            long after = longParameter(query, "afterLabelId", 0);
            long limit = longParameter(query, "limit", DEFAULT_EXPORT_PAGE);
            if (after < 0 || limit < 1 || limit > Lineage.MAX_PAGE) {
                throw ApiException.invalid("afterLabelId is " + after + " and limit " + limit + "; afterLabelId must be"
                        + " >= 0 and limit 1 .. " + Lineage.MAX_PAGE);
            }
            int version = Integer.parseInt(parts[3]);
            Lineage.ModelLabels labels = lineage.ofModel(parts[2], version, after, (int) limit)
                    .orElseThrow(() -> ApiException.notFound("no model " + parts[2] + " v" + version
                            + " is registered; GET " + API + "/models lists them"));
            ObjectNode node = mapper.createObjectNode()
                    .put("model", labels.modelName())
                    .put("version", labels.version())
                    .put("state", labels.state())
                    .put("trainingLabels", labels.training())
                    .put("heldOutLabels", labels.heldOut());
            if (labels.parentVersion() == null) {
                node.putNull("parentVersion");
            } else {
                node.put("parentVersion", labels.parentVersion());
            }
            ArrayNode page = node.putArray("labels");
            labels.labels().forEach(l -> page.addObject().put("labelId", l.labelId()).put("frameId", l.frameId())
                    .put("usedAs", l.usedAs()));
            if (labels.labels().size() == limit) {
                exchange.getResponseHeaders().set("X-Next-After-Label-Id",
                        Long.toString(labels.labels().get(labels.labels().size() - 1).labelId()));
            }
            return send(exchange, 200, node);
        }
        throw ApiException.notFound("no route " + JsonBody.shown(path) + ": lineage is at " + API
                + "/lineage/labels/{labelId} and " + API + "/lineage/models/{model}/{version}");
    }

    private int similar(HttpExchange exchange, long taskId) {
        long k = longParameter(query(exchange.getRequestURI()), "k", DEFAULT_SIMILAR);
        if (k < 1 || k > SimilarTasks.MAX_K) {
            throw ApiException.invalid("query parameter k is " + k + ", must be 1 .. " + SimilarTasks.MAX_K);
        }
        ObjectNode response = mapper.createObjectNode().put("taskId", taskId).put("searched", similar.window());
        ArrayNode tasks = response.putArray("similar");
        for (SimilarTask task : similar.nearest(taskId, (int) k)) {
            tasks.addObject()
                    .put("taskId", task.taskId())
                    .put("frameId", task.frameId())
                    .put("similarity", task.similarity())
                    .put("state", task.state());
        }
        return send(exchange, 200, response);
    }

    private int startCampaign(HttpExchange exchange) {
        if (campaigns == null) {
            return sendError(exchange, 503, "campaigns_disabled", "this server cannot publish campaigns: start"
                    + " gleaner serve with --bootstrap-servers (or GLEANER_BOOTSTRAP_SERVERS) so that it can write to"
                    + " the campaigns topic, or use gleaner campaign create");
        }
        JsonBody body = readBody(exchange, CAMPAIGN_FIELDS);
        String name = body.requiredText("name");
        String id = CampaignDraft.idOf(name);
        if (id.isEmpty()) {
            throw ApiException.invalid("name '" + JsonBody.shown(name) + "' has no letter or digit to make a campaign id of");
        }
        List<Long> taskIds = body.requiredIdList("exemplarTaskIds");
        Double threshold = body.optionalNumber("threshold");
        Double budget = body.optionalNumber("budget");
        String until = body.optionalText("until");
        if (budget != null && (budget < 1 || budget != Math.rint(budget))) {
            throw ApiException.invalid("budget is " + budget + ", must be a whole number of at least 1");
        }
        List<Exemplar> exemplars = new ArrayList<>();
        for (long taskId : taskIds) {
            TaskEmbedding embedding = similar.embedding(taskId);
            exemplars.add(Exemplar.newBuilder().setFrameId(embedding.frameId())
                    .setModelVersion(embedding.modelVersion()).addAllEmbedding(boxed(embedding.embedding())).build());
        }
        long now = System.currentTimeMillis();
        Campaign campaign = CampaignDraft.active(id, name, exemplars, threshold == null ? 0.5 : threshold,
                budget == null ? 500 : budget.longValue(), CampaignDraft.endTime(until == null ? "P7D" : until, now),
                boxed(similar.recentMean(exemplars.get(0).getEmbeddingCount())), now);
        try {
            campaigns.publish(campaign);
        } catch (IllegalStateException e) {
            LOG.error("campaign {} could not be published", id, e);
            return sendError(exchange, 503, "campaigns_unavailable", "campaign " + id + " could not be published: "
                    + e.getMessage());
        }
        ObjectNode response = mapper.createObjectNode()
                .put("id", campaign.getId())
                .put("name", campaign.getName())
                .put("threshold", campaign.getThreshold())
                .put("budget", campaign.getBudget())
                .put("until", Instant.ofEpochMilli(campaign.getEndTimeMs()).toString())
                .put("centerDimensions", campaign.getCenterCount());
        ArrayNode frames = response.putArray("exemplarFrameIds");
        campaign.getExemplarsList().forEach(e -> frames.add(e.getFrameId()));
        return send(exchange, 201, response);
    }

    private static List<Float> boxed(float[] values) {
        List<Float> boxed = new ArrayList<>(values.length);
        for (float value : values) {
            boxed.add(value);
        }
        return boxed;
    }

    private int image(HttpExchange exchange, Caller caller, long taskId) {
        requireReadable(caller, queue.detail(taskId));
        TaskImage image = queue.image(taskId);
        if (image.bytes() == null) {
            throw ApiException.notFound("task " + taskId + " stores its image by URI only: fetch it from the"
                    + " detail's image.uri");
        }
        String type = switch (image.encoding()) {
            case "IMAGE_ENCODING_PNG" -> "image/png";
            case "IMAGE_ENCODING_JPEG" -> "image/jpeg";
            default -> "application/octet-stream";
        };
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "private, max-age=300");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        return write(exchange, 200, image.bytes());
    }

    private int patch(HttpExchange exchange, long taskId) {
        JsonBody body = readBody(exchange, PATCH_FIELDS);
        Double priority = body.optionalNumber("priority");
        Integer required = body.optionalInt("labelsRequired");
        Integer max = body.optionalInt("maxLabels");
        if (priority == null && required == null && max == null) {
            throw ApiException.invalid("nothing to change: give priority, or labelsRequired and maxLabels");
        }
        if ((required == null) != (max == null)) {
            throw ApiException.invalid("give labelsRequired and maxLabels together, e.g. 2 and 3 for 2 of 3");
        }
        if (required != null) {
            admin.requireLabels(taskId, required, max);
        }
        if (priority != null) {
            admin.reprioritise(taskId, priority);
        }
        TaskDetail detail = queue.detail(taskId);
        return send(exchange, 200, mapper.createObjectNode()
                .put("taskId", taskId)
                .put("priority", detail.priority())
                .put("labelsRequired", detail.labelsRequired())
                .put("maxLabels", detail.maxLabels()));
    }

    private int purge(HttpExchange exchange) {
        JsonBody body = readBody(exchange, PURGE_FIELDS);
        List<String> states = body.requiredTextList("states");
        Instant before;
        try {
            before = Instant.parse(body.requiredText("harvestedBefore"));
        } catch (DateTimeParseException e) {
            throw ApiException.invalid("field 'harvestedBefore' must be an ISO-8601 instant, e.g. 2026-11-28T00:00:00Z");
        }
        int purged = admin.purge(states, before);
        return send(exchange, 200, mapper.createObjectNode().put("purged", purged));
    }

    private int export(HttpExchange exchange) {
        Map<String, String> query = query(exchange.getRequestURI());
        long after = longParameter(query, "afterLabelId", 0);
        int limit = (int) longParameter(query, "limit", DEFAULT_EXPORT_PAGE);
        List<ExportedLabel> labels = admin.exportLabels(after, limit);
        ObjectNode response = mapper.createObjectNode();
        ArrayNode array = response.putArray("labels");
        for (ExportedLabel label : labels) {
            ObjectNode node = array.addObject()
                    .put("labelId", label.labelId())
                    .put("taskId", label.taskId())
                    .put("frameId", label.frameId())
                    .put("labelerId", label.labelerId())
                    .put("scene", label.label().scene())
                    .put("steering", label.label().steering())
                    .put("acceleration", label.label().acceleration())
                    .put("notes", label.label().notes())
                    .put("completesTask", label.completesTask())
                    .put("createdAt", label.createdAt().toString())
                    .put("modelVersion", label.modelVersion());
            node.putObject("predictedAction")
                    .put("steering", label.predictedSteering()).put("acceleration", label.predictedAcceleration());
            node.putObject("humanAction")
                    .put("steering", label.humanSteering()).put("acceleration", label.humanAcceleration());
            ArrayNode triggers = node.putArray("triggers");
            label.triggers().forEach(t -> triggers.addObject()
                    .put("name", t.name()).put("score", t.score()).put("threshold", t.threshold()));
        }
        response.put("nextAfterLabelId", labels.isEmpty() ? after : labels.get(labels.size() - 1).labelId());
        return send(exchange, 200, response);
    }

    private int exportLabelStudio(HttpExchange exchange) {
        Map<String, String> query = query(exchange.getRequestURI());
        long after = longParameter(query, "afterTaskId", 0);
        int limit = (int) Math.min(Integer.MAX_VALUE, longParameter(query, "limit", DEFAULT_LABEL_STUDIO_PAGE));
        LabelStudioExport.Page page = labelStudioExport.tasks(after, limit);
        // The body is the bare list Label Studio imports; the cursor for the next page rides in a header.
        exchange.getResponseHeaders().set("X-Next-After-Task-Id", Long.toString(page.lastTaskId()));
        return send(exchange, 200, page.tasks());
    }

    private int importLabelStudio(HttpExchange exchange) {
        byte[] body = readLimited(exchange, MAX_IMPORT_BYTES, "the import limit");
        JsonNode export;
        try {
            export = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "bad_request", "the body is not JSON: send the file of Label Studio's"
                    + " Export > JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("reading a Label Studio export from memory", e);
        }
        LabelStudioImport.Report report = labelStudioImport.importExport(export);
        ObjectNode response = mapper.createObjectNode()
                .put("imported", report.imported())
                .put("alreadyPresent", report.alreadyPresent())
                .put("taskClosed", report.taskClosed())
                .put("leased", report.leased())
                .put("unknownFrame", report.unknownFrame())
                .put("cancelled", report.cancelled());
        ArrayNode refused = response.putArray("refused");
        report.refused().forEach(refused::add);
        return send(exchange, 200, response);
    }

    private Caller authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"gleaner\"");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("send Authorization: Bearer <token> (create one with gleaner token create)");
        }
        Caller caller = tokens.authenticate(header.substring(7).trim())
                .orElseThrow(() -> ApiException.unauthorized("the token is unknown or revoked: ask an admin for a new one"));
        exchange.getResponseHeaders().remove("WWW-Authenticate");
        return caller;
    }

    private static void requireAdmin(Caller caller, String what) {
        if (!caller.isAdmin()) {
            throw ApiException.forbidden(what + " is for admins; " + caller.labelerId() + " is a " + caller.role());
        }
    }

    /** Labelers see a task only while they hold its lease; admins see every task. */
    private static void requireReadable(Caller caller, TaskDetail detail) {
        if (!caller.isAdmin() && !caller.labelerId().equals(detail.leaseOwner())) {
            throw ApiException.forbidden("task " + detail.taskId() + " is not leased to " + caller.labelerId()
                    + ": claim it first");
        }
    }

    private Duration lease(JsonBody body) {
        Double seconds = body.optionalNumber("leaseSeconds");
        if (seconds == null) {
            return config.defaultLease();
        }
        if (!(seconds >= 1) || seconds > config.maxLease().toSeconds()) {
            throw ApiException.invalid("leaseSeconds is " + seconds + ", must be 1 .. " + config.maxLease().toSeconds());
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static float action(JsonBody body, String field) {
        double value = body.requiredNumber(field);
        if (!(value >= -1 && value <= 1)) {
            throw ApiException.invalid("field '" + field + "' is " + value + ", must be in [-1, 1]");
        }
        return (float) value;
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw methodNotAllowed(method, allowed);
        }
    }

    private static ApiException methodNotAllowed(String method, String allowed) {
        return new ApiException(405, "method_not_allowed", JsonBody.shown(method) + " is not allowed here; use " + allowed);
    }

    private static void requireParts(String[] parts, int count, String path) {
        if (parts.length != count) {
            throw ApiException.notFound("no route " + JsonBody.shown(path));
        }
    }

    private JsonBody readBody(HttpExchange exchange, Set<String> allowed) {
        return JsonBody.parse(mapper, readLimited(exchange, config.maxRequestBytes(), "serve --max-request-bytes"), allowed);
    }

    /** The request body, refused with 413 as soon as it is known to be over {@code limit}. */
    private byte[] readLimited(HttpExchange exchange, int limit, String limitName) {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new ApiException(400, "bad_request", "Content-Length is not a number");
            }
            if (length > limit) {
                drain(exchange, length);
                throw tooLarge(length + " bytes", limit, limitName);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw tooLarge("more than " + limit + " bytes", limit, limitName);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body", e);
        }
    }

    /**
     * Reads and drops a refused body that is not too big, so the client, still sending it, gets
     * the 413 instead of a connection reset. A bigger one is cut off with the connection.
     */
    private static void drain(HttpExchange exchange, long length) {
        if (length > MAX_DRAIN_BYTES) {
            return;
        }
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            LOG.debug("refused request body not drained: {}", e.getMessage());
        }
    }

    private static ApiException tooLarge(String size, int limit, String limitName) {
        return new ApiException(413, "too_large", "the request body is " + size + ", the limit is " + limit
                + " bytes (" + limitName + ")");
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> parameters = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            parameters.put(name, value);
        }
        return parameters;
    }

    private static long longParameter(Map<String, String> query, String name, long fallback) {
        String value = query.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("query parameter " + name + " must be a whole number, got '"
                    + JsonBody.shown(value) + "'");
        }
    }

    private int sendError(HttpExchange exchange, int status, String error, String reason) {
        if (status == 405) {
            exchange.getResponseHeaders().set("Allow", reason.substring(reason.indexOf("use ") + 4));
        }
        return send(exchange, status, mapper.createObjectNode().put("error", error).put("reason", reason));
    }

    private int send(HttpExchange exchange, int status, JsonNode body) {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        try {
            return write(exchange, status, mapper.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException("writing a JSON response", e);
        }
    }

    private static int sendEmpty(HttpExchange exchange, int status) {
        try {
            exchange.sendResponseHeaders(status, -1);
        } catch (IOException e) {
            // The client went away; there is nobody left to tell.
            LOG.debug("response {} not sent: {}", status, e.getMessage());
        }
        return status;
    }

    private static int write(HttpExchange exchange, int status, byte[] bytes) {
        try {
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // The client went away; there is nobody left to tell.
            LOG.debug("response {} not sent: {}", status, e.getMessage());
        }
        return status;
    }
}
