package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.queue.FlagReason;
import io.gleaner.queue.Label;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.Trigger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault test 6: the {@code edge-cases} topic is replayed into the queue three times, each in one
 * of the ways it happens in production, with labelers working between the replays:
 * <ol>
 *   <li>the sink's consumer group is reset to the earliest offsets and the sink restarted;
 *   <li>the same edge cases are published again (with another priority and trigger, as a
 *       re-harvest would);
 *   <li>the sink is redeployed with a new application id and an empty state folder, so a fresh
 *       consumer group reads the topic from the start.
 * </ol>
 * After each replay the number of tasks, the checksum of every label and flag, and the checksum of
 * the tasks (state, priority, triggers, attempts) are what they were before it: a replay never
 * adds a task, never changes or removes a human label and never puts a labeled task back in the queue.
 */
@ExtendWith(GleanerInfrastructure.class)
class EdgeCaseReplayFaultIT {
    private static final int EDGE_CASES = FaultScale.pick(300, 5_000);
    private static final Duration CATCH_UP_TIMEOUT = FaultScale.pick(Duration.ofMinutes(2), Duration.ofMinutes(10));
    /**
     * Far above what the selection stage hands out, so that the labelers here claim this test's
     * tasks first: the sink also reads the edge cases other test classes left on the topic.
     */
    private static final double FIRST_PRIORITY = 1_000;
    private static final String[] SCENES = {"clear_road", "pedestrian_crossing", "stopped_vehicle", "debris"};

    private final String bootstrapServers;
    private final DataSource dataSource;
    private final TaskQueue queue;
    private final String prefix = "replay-" + UUID.randomUUID() + "-";

    @TempDir
    Path scratch;

    EdgeCaseReplayFaultIT(Infrastructure infrastructure) {
        this.bootstrapServers = infrastructure.kafkaBootstrapServers();
        this.dataSource = infrastructure.database().dataSource();
        this.queue = new TaskQueue(dataSource);
    }

    @Test
    void threeReplaysOfEdgeCasesChangeNoTaskAndNoLabel() throws Exception {
        Migrations.migrate(dataSource);
        TopicAdmin.createMissing(bootstrapServers, 2, (short) 1);
        for (String labeler : List.of("alice", "bob", "carol")) {
            queue.ensureLabeler(labeler, "labeler");
        }
        String applicationId = "gleaner-queue-sink-replay-" + UUID.randomUUID();
        List<String> report = new ArrayList<>();
        try (Producer<String, EdgeCase> producer = TestProducers.to(Topics.EDGE_CASES, bootstrapServers);
             GroupOffsets offsets = new GroupOffsets(bootstrapServers);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            try (StreamsStage sink = QueueSinkStages.start(applicationId, bootstrapServers, scratch.resolve("state-1"), dataSource)) {
                publish(producer, FIRST_PRIORITY, "entropy");
                awaitCaughtUp(offsets, applicationId);
            }
            assertThat(tasks()).as("tasks after the first pass").isEqualTo(EDGE_CASES);
            work("alice", EDGE_CASES / 3, 5);

            // Replay 1: the consumer group reset to the earliest offsets.
            Snapshot before = snapshot();
            resetToEarliest(admin, applicationId);
            try (StreamsStage sink = QueueSinkStages.start(applicationId, bootstrapServers, scratch.resolve("state-1"), dataSource)) {
                awaitCaughtUp(offsets, applicationId);
                report.add("group-reset already_present=" + alreadyPresent(applicationId));
                assertThat(alreadyPresent(applicationId)).as("edge cases the reset sink saw again")
                        .isGreaterThanOrEqualTo(EDGE_CASES);
                assertThat(snapshot()).as("after the group reset").isEqualTo(before);

                work("bob", EDGE_CASES / 3, 3);
                // Replay 2: the same edge cases published again, re-harvested with another priority.
                before = snapshot();
                publish(producer, FIRST_PRIORITY * 2, "action_disagreement");
                awaitCaughtUp(offsets, applicationId);
                report.add("republish already_present=" + alreadyPresent(applicationId));
                assertThat(alreadyPresent(applicationId)).as("edge cases the running sink saw again")
                        .isGreaterThanOrEqualTo(2L * EDGE_CASES);
                assertThat(snapshot()).as("after publishing every edge case again").isEqualTo(before);
            }

            work("carol", EDGE_CASES / 6, 2);
            // Replay 3: a new deployment, with a new application id and no state, reads from the start.
            before = snapshot();
            String redeployed = applicationId + "-redeployed";
            try (StreamsStage sink = QueueSinkStages.start(redeployed, bootstrapServers, scratch.resolve("state-2"), dataSource)) {
                awaitCaughtUp(offsets, redeployed);
                report.add("new-application already_present=" + alreadyPresent(redeployed));
                assertThat(alreadyPresent(redeployed)).as("edge cases the redeployed sink saw again")
                        .isGreaterThanOrEqualTo(2L * EDGE_CASES);
                assertThat(snapshot()).as("after a redeploy with a new application id and state")
                        .isEqualTo(before);
            }
            Snapshot last = snapshot();
            System.out.printf("FAULT edge-case-replay form=%s edge_cases=%d replays=3 tasks=%d labels=%d flags=%d"
                            + " labels_checksum=%s tasks_checksum=%s %s%n", FaultScale.form(), EDGE_CASES,
                    last.tasks(), last.labels(), last.flags(), last.labelsChecksum(), last.tasksChecksum(),
                    String.join(" ", report));
            assertThat(last.tasks()).isEqualTo(EDGE_CASES);
            assertThat(last.labels()).as("labels submitted between the replays")
                    .isEqualTo(EDGE_CASES / 3 + EDGE_CASES / 3 + EDGE_CASES / 6);
            assertThat(queue.stats().labeled()).isEqualTo(last.labels());
        }
    }

    /**
     * The tasks, labels and flags as checksums: everything a replay could add, change or reset.
     * Labels are compared with the times they were made, so even an identical rewrite would show.
     */
    private record Snapshot(long tasks, long labels, long flags, String tasksChecksum, String labelsChecksum,
                            String flagsChecksum) {}

    private Snapshot snapshot() throws SQLException {
        String like = prefix + "%";
        Object[] tasks = row("""
                SELECT count(*), md5(string_agg(concat_ws('|', task_id, frame_id, state, priority, triggers::text,
                                                          attempts, lease_owner), ',' ORDER BY task_id))
                FROM edge_case_tasks WHERE frame_id LIKE ?""", like);
        Object[] labels = row("""
                SELECT count(*), md5(string_agg(concat_ws('|', l.label_id, t.frame_id, l.labeler_id, l.scene,
                                                          l.steering, l.acceleration, l.notes, l.completes_task,
                                                          l.created_at), ',' ORDER BY l.label_id))
                FROM labels l JOIN edge_case_tasks t ON t.task_id = l.task_id WHERE t.frame_id LIKE ?""", like);
        Object[] flags = row("""
                SELECT count(*), md5(string_agg(concat_ws('|', f.flag_id, t.frame_id, f.labeler_id, f.kind,
                                                          f.reason, f.note, f.created_at), ',' ORDER BY f.flag_id))
                FROM task_flags f JOIN edge_case_tasks t ON t.task_id = f.task_id WHERE t.frame_id LIKE ?""", like);
        return new Snapshot((Long) tasks[0], (Long) labels[0], (Long) flags[0], (String) tasks[1],
                (String) labels[1], (String) flags[1]);
    }

    /**
     * {@code labeler} claims and labels {@code count} tasks (each with its own values), skips
     * {@code skips} more with a reason and flags one of the labeled ones.
     */
    private void work(String labeler, int count, int skips) {
        int labeled = 0;
        while (labeled < count) {
            List<Task> claimed = queue.claim(labeler, Math.min(TaskQueue.MAX_CLAIM, count - labeled),
                    Duration.ofMinutes(5));
            assertThat(claimed).as("tasks left for %s to label", labeler).isNotEmpty();
            for (Task task : claimed) {
                assertThat(task.frameId()).as("a task of this test").startsWith(prefix);
                int n = labeled++;
                queue.submitLabel(task.taskId(), labeler, new Label(SCENES[n % SCENES.length],
                        (n % 21 - 10) / 10f, (n % 11 - 5) / 5f, labeler + " saw task " + task.taskId()));
            }
        }
        for (Task task : queue.claim(labeler, skips, Duration.ofMinutes(5))) {
            queue.skip(task.taskId(), labeler, FlagReason.SENSOR_FAULT, "lens covered");
        }
        for (Task task : queue.claim(labeler, 1, Duration.ofMinutes(5))) {
            queue.flag(task.taskId(), labeler, FlagReason.AMBIGUOUS_SCENE, "cones or debris?");
            queue.release(task.taskId(), labeler);
        }
    }

    private void publish(Producer<String, EdgeCase> producer, double priority, String trigger)
            throws InterruptedException, ExecutionException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < EDGE_CASES; i++) {
            String frameId = prefix + i;
            EdgeCase edgeCase = TestEdgeCases.edgeCase(frameId, "vehicle-" + (i % 4), trigger, priority + i % 10)
                    .toBuilder()
                    .addTriggers(Trigger.newBuilder().setName("novelty").setScore(i % 7).setThreshold(3))
                    .build();
            sent.add(producer.send(new ProducerRecord<>(Topics.EDGE_CASES.name(), frameId, edgeCase)));
        }
        for (Future<RecordMetadata> ack : sent) {
            ack.get();
        }
    }

    private void resetToEarliest(Admin admin, String applicationId) throws InterruptedException, ExecutionException {
        List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.EDGE_CASES.name())).allTopicNames().get()
                .get(Topics.EDGE_CASES.name()).partitions().stream()
                .map(p -> new TopicPartition(Topics.EDGE_CASES.name(), p.partition())).toList();
        Map<TopicPartition, OffsetAndMetadata> earliest = admin.listOffsets(partitions.stream()
                        .collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest()))).all().get()
                .entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
        admin.alterConsumerGroupOffsets(applicationId, earliest).all().get();
    }

    private void awaitCaughtUp(GroupOffsets offsets, String applicationId) {
        await(applicationId + " to commit to the end of " + Topics.EDGE_CASES.name()).atMost(CATCH_UP_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> offsets.lag(applicationId, Topics.EDGE_CASES.name()) == 0);
    }

    private long alreadyPresent(String applicationId) {
        return StreamsJmx.total(applicationId, TaskSinkTopology.METRICS_GROUP, "already-present-total");
    }

    private long tasks() throws SQLException {
        return (Long) row("SELECT count(*) FROM edge_case_tasks WHERE frame_id LIKE ?", prefix + "%")[0];
    }

    private Object[] row(String sql, String parameter) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, parameter);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                Object[] row = new Object[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = rs.getObject(i + 1);
                }
                return row;
            }
        }
    }
}
