package io.gleaner.it;

import static org.awaitility.Awaitility.await;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.uncertainty.SelectionTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The four Streams roles of the pipeline (ingest-stream, score, select, queue-sink), each a
 * {@link RoleProcess} with a state folder of its own, pointed at the test's broker and database
 * through the environment, as compose/ points the real ones. Closing stops them with SIGTERM and moves
 * their consumer groups past anything they left unread.
 */
final class PipelineProcesses implements AutoCloseable {
    /** A pipeline role: its subcommand, its consumer group (the application id) and the topic it reads. */
    enum Role {
        INGEST("ingest-stream", IngestTopology.APPLICATION_ID, Topics.FRAMES_RAW),
        SCORE("score", ScorerTopology.APPLICATION_ID, Topics.FRAMES_VALID),
        SELECT("select", SelectionTopology.APPLICATION_ID, Topics.FRAMES_SCORED),
        QUEUE_SINK("queue-sink", TaskSinkTopology.APPLICATION_ID, Topics.EDGE_CASES);

        private final String subcommand;
        private final String applicationId;
        private final Topic<?, ?> input;

        Role(String subcommand, String applicationId, Topic<?, ?> input) {
            this.subcommand = subcommand;
            this.applicationId = applicationId;
            this.input = input;
        }

        String subcommand() {
            return subcommand;
        }

        String applicationId() {
            return applicationId;
        }

        Topic<?, ?> input() {
            return input;
        }
    }

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final Map<Role, RoleProcess> processes = new EnumMap<>(Role.class);
    private final GroupOffsets offsets;

    /**
     * @param jvmOptions options for every child JVM (heap size, ...)
     * @param scratch the test's scratch folder: logs go to {@code logs/}, state to {@code state/<role>/}
     */
    PipelineProcesses(Infrastructure infrastructure, List<String> jvmOptions, Path scratch) {
        Map<String, String> environment = new HashMap<>();
        environment.put("GLEANER_BOOTSTRAP_SERVERS", infrastructure.kafkaBootstrapServers());
        // Four roles on one machine: each takes a free ops port instead of the default 9464.
        environment.put("GLEANER_METRICS_PORT", "0");
        DatabaseEndpoint database = infrastructure.database();
        environment.put("GLEANER_DB_URL", database.jdbcUrl());
        if (database.user() != null) {
            environment.put("GLEANER_DB_USER", database.user());
        }
        if (database.password() != null) {
            environment.put("GLEANER_DB_PASSWORD", database.password());
        }
        for (Role role : Role.values()) {
            List<String> arguments = List.of(role.subcommand(), "--state-dir",
                    scratch.resolve("state").resolve(role.subcommand()).toString());
            processes.put(role, new RoleProcess(role.subcommand(), jvmOptions, arguments, environment,
                    scratch.resolve("logs")));
        }
        this.offsets = new GroupOffsets(infrastructure.kafkaBootstrapServers());
    }

    /**
     * Sets every role's consumer group to the end of its input topic, so that the roles read only
     * what this test publishes: the broker, the topics and the application ids are shared with the
     * other integration tests of the JVM. Call before the first start; {@link #close()} calls it again
     * once the roles are stopped, so that whatever this test left unread is not read by the next.
     */
    void startAtEnd() throws InterruptedException {
        for (Role role : Role.values()) {
            offsets.startAtEnd(role.applicationId(), role.input().name());
        }
    }

    /** Starts every role and waits until each says its Streams application is RUNNING. */
    void startAll() {
        processes.values().forEach(RoleProcess::start);
        for (Role role : Role.values()) {
            awaitRunning(role);
        }
    }

    /** Waits until the role's current incarnation logs that its Streams application is RUNNING. */
    void awaitRunning(Role role) {
        RoleProcess process = processes.get(role);
        await(role.subcommand() + " RUNNING").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(role.subcommand() + " exited while starting:\n"
                                + process.tail(40));
                    }
                    return process.logContains(role.applicationId() + " running");
                });
    }

    RoleProcess process(Role role) {
        return processes.get(role);
    }

    /** Input records the role has committed, summed over partitions: how far it has got. */
    long committed(Role role) throws InterruptedException {
        return offsets.committed(role.applicationId(), role.input().name());
    }

    /** Input records the role has not committed yet. */
    long lag(Role role) throws InterruptedException {
        return offsets.lag(role.applicationId(), role.input().name());
    }

    /** Whether every role has committed all of its input. */
    boolean drained() throws InterruptedException {
        for (Role role : Role.values()) {
            if (lag(role) > 0) {
                return false;
            }
        }
        return true;
    }

    /** Each role's lag, for a timeout's message. */
    String lags() throws InterruptedException {
        StringBuilder text = new StringBuilder();
        for (Role role : Role.values()) {
            text.append(text.isEmpty() ? "" : ", ").append(role.subcommand()).append(' ').append(lag(role));
        }
        return text.toString();
    }

    /** The roles that are not running (a role that died on its own, say). */
    List<String> notRunning() {
        return processes.values().stream().filter(p -> !p.isAlive()).map(RoleProcess::name).toList();
    }

    /** The last lines of every role's current log, for a failing test's output. */
    String tails(int lines) {
        return processes.values().stream().map(p -> p.tail(lines)).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            // All at once: each takes a while to close its Streams application.
            processes.values().forEach(RoleProcess::requestStop);
            for (RoleProcess process : processes.values()) {
                process.close();
            }
            startAtEnd();
        } finally {
            offsets.close();
        }
    }
}
