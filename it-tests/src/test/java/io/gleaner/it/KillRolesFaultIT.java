package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.it.PipelineProcesses.Role;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 8, fault 1: "kill -9 of each role mid-stream, 5 times, over 100k frames: read_committed
 * output equals input, 0 duplicate frame ids, 0 lost". The four pipeline roles run as child JVMs
 * ({@code gleaner ingest-stream | score | select | queue-sink}, exactly-once as in production), a
 * {@link FleetFeed} publishes frames with poison and resends at a steady pace, and in each round
 * every role is killed with SIGKILL while it is processing (it has committed input since its last
 * start) and started again at once, on the same state folder, as a supervisor would.
 *
 * <p>Long form ({@code -Pchaos}): 100,000 frames, 5 rounds. Short form: 2,000 frames, 1 round
 * (one kill of each role). Round {@code k} begins once {@code k / (rounds + 1)} of the frames are
 * out, so every kill falls while frames are still arriving. A killed member stays in its consumer
 * group until its session times out (45 s by default), so each round costs about that much.
 */
@ExtendWith(GleanerInfrastructure.class)
class KillRolesFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(KillRolesFaultIT.class);
    private static final int FRAMES = FaultScale.pick(2_000, 100_000);
    private static final int ROUNDS = FaultScale.pick(1, 5);
    private static final int FRAMES_PER_SECOND = FaultScale.pick(50, 250);
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(FaultScale.pick(4, 10));
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(FaultScale.pick(4, 20));
    /**
     * Downstream first: a killed role stops feeding the roles after it until it is back, and each
     * role must be seen processing before it is killed.
     */
    private static final List<Role> KILL_ORDER = List.of(Role.QUEUE_SINK, Role.SELECT, Role.SCORE, Role.INGEST);
    private static final List<String> CHILD_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC");

    @Test
    void killingEachRoleMidStreamLosesAndDuplicatesNothing(Infrastructure infrastructure, @TempDir Path scratch)
            throws Exception {
        String bootstrap = infrastructure.kafkaBootstrapServers();
        DataSource dataSource = infrastructure.database().dataSource();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        Migrations.migrate(dataSource);
        String run = "kill-roles-" + UUID.randomUUID().toString().substring(0, 8);
        new LiveModel(bootstrap, scratch.resolve("models")).publishNext();
        long started = System.nanoTime();

        try (PipelineProcesses pipeline = new PipelineProcesses(infrastructure, CHILD_JVM, scratch);
             FleetFeed feed = new FleetFeed(bootstrap, run, FRAMES, FRAMES_PER_SECOND, 11)) {
            try {
                pipeline.startAtEnd();
                pipeline.startAll();
                feed.start();
                killEveryRoleEachRound(pipeline, feed);
                await("the fleet to send its " + FRAMES + " frames").atMost(DRAIN_TIMEOUT)
                        .pollInterval(Duration.ofMillis(500)).until(feed::done);
                assertThat(feed.failure()).as("sending to frames.raw").isNull();
                Set<String> valid = feed.validIds();
                await("every valid frame scored and every role's input committed").atMost(DRAIN_TIMEOUT)
                        .pollInterval(Duration.ofSeconds(3))
                        .failFast("a role died on its own", () -> !pipeline.notRunning().isEmpty())
                        // Drained again after the frames are scored: selection and the sink must take the last ones too.
                        .until(() -> pipeline.drained()
                                && new HashSet<>(scoredIds(bootstrap, run)).containsAll(valid)
                                && pipeline.drained());
                double seconds = (System.nanoTime() - started) / 1e9;
                checkOutputs(bootstrap, dataSource, run, valid, pipeline, feed, seconds);
            } catch (Throwable failure) {
                LOG.error("KillRolesFaultIT failed; lags: {}; the roles' last log lines:\n{}", lagsOrWhy(pipeline),
                        pipeline.tails(40));
                throw failure;
            }
        }
    }

    /**
     * Round after round, kills each role with SIGKILL once it has committed input since its last
     * start (so it is mid-stream, not restoring), and starts it again straight away.
     */
    private static void killEveryRoleEachRound(PipelineProcesses pipeline, FleetFeed feed) throws Exception {
        Map<Role, Long> committedAtStart = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            committedAtStart.put(role, pipeline.committed(role));
        }
        for (int round = 1; round <= ROUNDS; round++) {
            int due = (int) ((long) FRAMES * round / (ROUNDS + 1));
            await("round " + round + " due at " + due + " frames sent").atMost(ROUND_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200)).until(() -> feed.sent() >= due || feed.done());
            for (Role role : KILL_ORDER) {
                long before = committedAtStart.get(role);
                await(role.subcommand() + " processing (committed past " + before + ") before kill " + round)
                        .atMost(ROUND_TIMEOUT).pollInterval(Duration.ofMillis(200))
                        .failFast(role.subcommand() + " died on its own", () -> !pipeline.process(role).isAlive())
                        .until(() -> pipeline.committed(role) > before);
                RoleProcess process = pipeline.process(role);
                long pid = process.pid();
                process.kill();
                process.start();
                committedAtStart.put(role, pipeline.committed(role));
                LOG.info("round {}: killed {} (pid {}) with SIGKILL at {} frames sent, restarted as pid {}",
                        round, role.subcommand(), pid, feed.sent(), process.pid());
            }
        }
    }

    private static void checkOutputs(String bootstrap, DataSource dataSource, String run, Set<String> valid,
                                     PipelineProcesses pipeline, FleetFeed feed, double seconds) throws Exception {
        List<String> validOut = validIds(bootstrap, run);
        List<String> scored = scoredIds(bootstrap, run);
        List<String> edgeCases = edgeCaseIds(bootstrap, run);
        List<String> tasks = taskFrameIds(dataSource, run);
        Map<String, Integer> kills = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            kills.put(role.subcommand(), pipeline.process(role).kills());
        }
        LOG.info("KillRolesFaultIT ({} form): {} valid frames + {} poison + {} resends sent at {}/s;"
                        + " kills per role {}; frames.valid {}, frames.scored {}, edge-cases {}, tasks {}; {} s wall",
                FaultScale.form(), valid.size(), feed.poisonSent(), feed.resent(), FRAMES_PER_SECOND, kills,
                validOut.size(), scored.size(), edgeCases.size(), tasks.size(), String.format("%.0f", seconds));

        assertThat(kills).as("SIGKILLs per role").allSatisfy((role, count) -> assertThat(count).isEqualTo(ROUNDS));
        assertThat(valid).as("valid frames sent").hasSize(FRAMES);
        assertThat(duplicates(validOut)).as("frame ids twice or more in frames.valid").isEmpty();
        assertThat(new HashSet<>(validOut)).as("frames.valid, against the valid frames sent").isEqualTo(valid);
        assertThat(duplicates(scored)).as("frame ids scored twice or more").isEmpty();
        assertThat(new HashSet<>(scored)).as("frames.scored, against the valid frames sent").isEqualTo(valid);
        assertThat(edgeCases).as("edge cases harvested").isNotEmpty();
        assertThat(duplicates(edgeCases)).as("frame ids twice or more in edge-cases").isEmpty();
        assertThat(valid).as("edge cases are valid frames").containsAll(edgeCases);
        assertThat(duplicates(tasks)).as("frame ids with two or more tasks").isEmpty();
        assertThat(tasks).as("PostgreSQL tasks, against the edge cases")
                .containsExactlyInAnyOrderElementsOf(edgeCases);
        assertThat(pipeline.notRunning()).as("roles that are not running at the end").isEmpty();
    }

    private static List<String> validIds(String bootstrap, String run) {
        return CommittedFrameIds.read(bootstrap, Topics.FRAMES_VALID, r -> r.value().getFrameId(), run);
    }

    private static List<String> scoredIds(String bootstrap, String run) {
        return CommittedFrameIds.read(bootstrap, Topics.FRAMES_SCORED, r -> r.value().getFrame().getFrameId(), run);
    }

    private static List<String> edgeCaseIds(String bootstrap, String run) {
        return CommittedFrameIds.read(bootstrap, Topics.EDGE_CASES, r -> r.key(), run);
    }

    private static List<String> taskFrameIds(DataSource dataSource, String run) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT frame_id FROM edge_case_tasks")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        assertThat(ids).as("tasks of this run only (the class has its own database)").allMatch(id -> id.startsWith(run));
        return ids;
    }

    private static Map<String, Long> duplicates(List<String> ids) {
        return ids.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting())).entrySet().stream()
                .filter(e -> e.getValue() > 1).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static String lagsOrWhy(PipelineProcesses pipeline) {
        try {
            return pipeline.lags();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        } catch (RuntimeException e) {
            return "unknown (" + e + ")";
        }
    }
}
