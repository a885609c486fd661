package io.gleaner.app;

import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.app.ops.DatabaseGauges;
import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.app.ops.OpsEndpoint;
import io.gleaner.app.ops.OpsOptions;
import io.gleaner.app.ops.QueueBatchMeters;
import io.gleaner.queue.ConsensusConfig;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.api.QueueApiServer;
import io.gleaner.queue.api.ServeConfig;
import io.gleaner.queue.feedback.FeedbackRelayConfig;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner serve}: the labeling queue's REST + JSON API and its dashboard ({@link QueueApiServer}) on a pooled
 * connection to PostgreSQL, until SIGTERM. The database must be migrated ({@code gleaner migrate})
 * and callers need a token ({@code gleaner token create}). Given {@code --bootstrap-servers} (or its
 * environment variable) it also publishes the campaigns admins start from a task
 * ({@link KafkaCampaignPublisher}); without, that route answers 503. With {@code --feedback-relay} it
 * also runs the label feedback relay ({@link FeedbackRelayLoop}) on a thread of its own.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the labeling queue's REST + JSON API and dashboard (bearer tokens from gleaner token create).")
final class ServeCommand implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Mixin OpsOptions ops;
    @Spec CommandSpec spec;

    @Option(names = "--host", defaultValue = "${env:GLEANER_SERVE_HOST:-127.0.0.1}",
            description = "Address to listen on (env GLEANER_SERVE_HOST; default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "${env:GLEANER_SERVE_PORT:-8080}",
            description = "TCP port (env GLEANER_SERVE_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-request-bytes", defaultValue = "" + ServeConfig.DEFAULT_MAX_REQUEST_BYTES,
            description = "Largest request body; larger ones get 413 (default ${DEFAULT-VALUE}).")
    int maxRequestBytes;

    @Option(names = "--lease-seconds", defaultValue = "300",
            description = "Lease of a claim or heartbeat that names none (default ${DEFAULT-VALUE}).")
    int leaseSeconds;

    @Option(names = "--max-lease-seconds", defaultValue = "3600",
            description = "Longest lease a client may ask for (default ${DEFAULT-VALUE}).")
    int maxLeaseSeconds;

    @Option(names = "--lease-sweep-seconds", defaultValue = "30",
            description = "How often leases that lapsed go back to pending, so queue depth counts them (default ${DEFAULT-VALUE}).")
    int leaseSweepSeconds;

    @Option(names = "--lease-grace-seconds", defaultValue = "60",
            description = "How long a lapsed lease waits for that, so its holder's late submit still hears"
                    + " 'lease expired' (default ${DEFAULT-VALUE}).")
    int leaseGraceSeconds;

    @Option(names = "--threads", defaultValue = "16",
            description = "Request threads, and database connections in the pool (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-slots", defaultValue = "" + TaskQueue.DEFAULT_BATCH_SLOTS,
            description = "Claims, and submits, that arrive together run as one transaction; this many such batches"
                    + " run at once, each on one connection; 0 runs every call alone (default ${DEFAULT-VALUE}).")
    int batchSlots;

    @Option(names = "--labels-required", defaultValue = "1",
            description = "Agreeing labels that make a task labeled, unless the task sets its own (default ${DEFAULT-VALUE}).")
    int labelsRequired;

    @Option(names = "--max-labels",
            description = "Labels after which a task without agreement is set aside (default: --labels-required; e.g. 3 with --labels-required 2).")
    Integer maxLabels;

    @Option(names = "--agreement-tolerance", defaultValue = "0.1",
            description = "Largest steering and acceleration difference that still agrees (default ${DEFAULT-VALUE}).")
    float tolerance;

    @Option(names = "--feedback-relay",
            description = "Also relay labeled tasks to label-feedback in this process, as gleaner feedback-relay does with"
                    + " its defaults (needs --bootstrap-servers). In one serve instance of a deployment only: a second"
                    + " relay fences the first.")
    boolean feedbackRelay;

    @Override
    public Integer call() throws Exception {
        // Seconds, read once when the JDK's server classes load: a client that takes longer than this
        // to send its request is cut off instead of holding a connection. A -D on the command line wins.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "30");
        }
        ServeConfig config = new ServeConfig(host, port, maxRequestBytes, Duration.ofSeconds(leaseSeconds),
                Duration.ofSeconds(maxLeaseSeconds), threads,
                new ConsensusConfig(labelsRequired, maxLabels == null ? labelsRequired : maxLabels, tolerance, tolerance),
                Duration.ofSeconds(leaseSweepSeconds), Duration.ofSeconds(leaseGraceSeconds), batchSlots);
        boolean campaigns = spec.commandLine().getParseResult().hasMatchedOption("--bootstrap-servers")
                || System.getenv("GLEANER_BOOTSTRAP_SERVERS") != null;
        if (feedbackRelay && !campaigns) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--feedback-relay publishes to Kafka: give --bootstrap-servers (or GLEANER_BOOTSTRAP_SERVERS)");
        }
        KafkaClientSettings kafka = campaigns ? connection.kafka() : null;
        try (ShutdownSignal signal = new ShutdownSignal("serve");
             OpsEndpoint endpoint = OpsEndpoint.open("serve", ops.config());
             // As many connections as request threads, so no request waits for one another thread holds.
             HikariDataSource pool = connection.database().pool("gleaner-queue", threads);
             DatabaseGauges gauges = watchDatabase(endpoint, pool);
             AutoCloseable relay = feedbackRelay ? FeedbackRelayLoop.startInBackground(pool, kafka,
                     FeedbackRelayConfig.defaults()) : null;
             KafkaCampaignPublisher publisher = campaigns ? new KafkaCampaignPublisher(kafka) : null;
             QueueApiServer server = publisher != null ? QueueApiServer.start(pool, config, publisher)
                     : QueueApiServer.start(pool, config)) {
            endpoint.bind(new QueueBatchMeters(server.queue()));
            System.out.println(publisher != null ? "campaigns started from the dashboard go to " + connection.bootstrapServers()
                    : "campaigns cannot be started from the dashboard: give --bootstrap-servers to enable them");
            System.out.printf("serving the labeling queue on http://%s:%d%s (health: /health); Ctrl-C to stop%n",
                    host, server.port(), QueueApiServer.API);
            System.out.printf("dashboard: http://%s:%d%s (log in with a token from gleaner token create)%n",
                    host, server.port(), QueueApiServer.DASHBOARD);
            signal.awaitStop();
        }
        return 0;
    }

    /**
     * The queue's gauges (depth, labels per hour), the registry's (retrain runs, live model) and the
     * {@code database} health check on serve's ops port, read through {@code pool} on a schedule.
     * The ops port is a port of its own beside the API rather than a route on it: the same
     * {@link OpsEndpoint} every role has, reachable by Prometheus on an internal network while the
     * API port faces labelers, and with no token exception carved into the API's auth.
     */
    static DatabaseGauges watchDatabase(OpsEndpoint endpoint, DataSource pool) {
        return DatabaseGauges.watch(endpoint, pool, EnumSet.allOf(DatabaseGauges.Reading.class),
                DatabaseGauges.DEFAULT_REFRESH);
    }
}
