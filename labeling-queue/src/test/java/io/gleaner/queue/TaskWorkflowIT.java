package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Heartbeats, skips, flags, notes and task detail: what a labeler does besides submitting. */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskWorkflowIT {
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);
    private static final Duration SHORT_LEASE = Duration.ofSeconds(2);

    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;
    private SqlProbe db;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        db = new SqlProbe(dataSource);
        queue.ensureLabeler("alice", "labeler");
        queue.ensureLabeler("bob", "labeler");
    }

    @Test
    void aHeartbeatExtendsTheOwnersLiveLeaseAndKeepsOthersOut() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, SHORT_LEASE).get(0);

        Instant extended = queue.heartbeat(task.taskId(), "alice", LONG_LEASE);

        assertThat(extended).isAfter(task.leaseExpiresAt().plusSeconds(200));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> queue.claim("bob", 1, LONG_LEASE).isEmpty());
        assertThat(queue.submitLabel(task.taskId(), "alice", new Label("clear_road", 0f, 0f))).isPositive();
    }

    @Test
    void aHeartbeatOnALapsedOrForeignLeaseFailsAndSaysWhy() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, SHORT_LEASE).get(0);

        assertThatThrownBy(() -> queue.heartbeat(task.taskId(), "bob", LONG_LEASE))
                .isInstanceOf(LeaseException.class).hasMessageContaining("leased to alice");
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.stats().pending() == 1);
        assertThatThrownBy(() -> queue.heartbeat(task.taskId(), "alice", LONG_LEASE))
                .isInstanceOf(LeaseException.class).hasMessageContaining("expired").hasMessageContaining("claim again");
        assertThatThrownBy(() -> queue.heartbeat(999L, "alice", LONG_LEASE))
                .isInstanceOf(TaskNotFoundException.class).hasMessageContaining("task 999 does not exist");
    }

    @Test
    void aSkipSetsTheTaskAsideWithItsReasonAndNobodyClaimsItAgain() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        queue.skip(task.taskId(), "alice", FlagReason.SENSOR_FAULT, "lens covered in mud");

        assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, 0, 1, 0));
        assertThat(queue.claim("bob", 10, LONG_LEASE)).isEmpty();
        TaskFlag flag = queue.detail(task.taskId()).flags().get(0);
        assertThat(flag.skip()).isTrue();
        assertThat(flag.reason()).isEqualTo(FlagReason.SENSOR_FAULT);
        assertThat(flag.labelerId()).isEqualTo("alice");
        assertThat(flag.note()).isEqualTo("lens covered in mud");
        assertThatThrownBy(() -> queue.skip(task.taskId(), "alice", FlagReason.OTHER, null))
                .isInstanceOf(LeaseException.class).hasMessageContaining("is skipped");
    }

    @Test
    void aFlagIsARemarkThatLeavesTheLeaseAndTheTaskAsTheyAre() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        queue.flag(task.taskId(), "alice", FlagReason.PRIVACY, "face visible");
        long labelId = queue.submitLabel(task.taskId(), "alice", new Label("clear_road", 0f, 0.25f));

        TaskDetail detail = queue.detail(task.taskId());
        assertThat(detail.state()).isEqualTo("labeled");
        assertThat(detail.flags()).singleElement()
                .satisfies(f -> assertThat(f.skip()).isFalse())
                .satisfies(f -> assertThat(f.reason()).isEqualTo(FlagReason.PRIVACY));
        assertThat(detail.labels()).extracting(RecordedLabel::labelId).containsExactly(labelId);
    }

    @Test
    void labelersCannotUseTheQueuesOwnReasonOrOverlongNotes() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        assertThatThrownBy(() -> queue.skip(task.taskId(), "alice", FlagReason.NO_CONSENSUS, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the queue's own");
        assertThatThrownBy(() -> queue.flag(task.taskId(), "alice", FlagReason.OTHER, "x".repeat(2001)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 2000");
        assertThat(db.longValue("SELECT count(*) FROM task_flags")).isZero();
    }

    @Test
    void notesAreStoredWithTheLabelAndTheFeedStillSeesIt() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        queue.submitLabel(task.taskId(), "alice", new Label("debris", -0.5f, -1f, "tyre tread in the left lane"));

        assertThat(queue.detail(task.taskId()).labels().get(0).label().notes()).isEqualTo("tyre tread in the left lane");
        assertThat(queue.labeledAfter(0, 10)).extracting(LabeledExample::scene).containsExactly("debris");
    }

    @Test
    void detailShowsModelOutputsHumanActionTriggersAndTheLiveLease() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.75));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        TaskDetail detail = queue.detail(task.taskId());

        assertThat(detail.frameId()).isEqualTo("frame-1");
        assertThat(detail.vehicleId()).isEqualTo("vehicle-3");
        assertThat(detail.captureTime()).isEqualTo(Instant.ofEpochMilli(EdgeCases.CAPTURE_TIME_MS));
        assertThat(detail.harvestedAt()).isEqualTo(Instant.ofEpochMilli(EdgeCases.HARVESTED_TIME_MS));
        assertThat(detail.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
        assertThat(detail.width()).isEqualTo(64);
        assertThat(detail.height()).isEqualTo(48);
        assertThat(detail.imageUri()).isNull();
        assertThat(detail.humanSteering()).isEqualTo(-0.25f);
        assertThat(detail.humanAcceleration()).isEqualTo(0.5f);
        assertThat(detail.modelVersion()).isEqualTo("7");
        assertThat(detail.sceneProbabilities()).containsOnlyKeys("clear_road", "pedestrian_crossing")
                .containsEntry("clear_road", 0.25).containsEntry("pedestrian_crossing", 0.75);
        assertThat(detail.predictedSteering()).isEqualTo(0.125f);
        assertThat(detail.predictedAcceleration()).isEqualTo(-0.5f);
        assertThat(detail.triggers()).containsExactly(new FiredTrigger("action_disagreement", 0.875, 0.5));
        assertThat(detail.priority()).isEqualTo(0.75);
        assertThat(detail.state()).isEqualTo("leased");
        assertThat(detail.attempts()).isEqualTo(1);
        assertThat(detail.leaseOwner()).isEqualTo("alice");
        assertThat(detail.leaseExpiresAt()).isEqualTo(task.leaseExpiresAt());
        assertThat(detail.labelsRequired()).isEqualTo(1);
        assertThat(detail.maxLabels()).isEqualTo(1);
        assertThat(detail.labels()).isEmpty();
        assertThat(detail.flags()).isEmpty();
        assertThat(queue.image(task.taskId()).bytes()).isEqualTo(EdgeCases.imageBytes("frame-1"));
        assertThatThrownBy(() -> queue.detail(42L)).isInstanceOf(TaskNotFoundException.class);
        assertThatThrownBy(() -> queue.image(42L)).isInstanceOf(TaskNotFoundException.class);
    }

    @Test
    void detailReadsALapsedLeaseAsPendingWithNoOwner() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, SHORT_LEASE).get(0);

        await().atMost(Duration.ofSeconds(10)).until(() -> queue.stats().pending() == 1);

        TaskDetail detail = queue.detail(task.taskId());
        assertThat(detail.state()).isEqualTo("pending");
        assertThat(detail.leaseOwner()).isNull();
        assertThat(detail.leaseExpiresAt()).isNull();
    }

    @Test
    void aLabelerNeverClaimsATaskItLabeled() {
        TaskQueue twoOfTwo = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 2));
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = twoOfTwo.claim("alice", 1, LONG_LEASE).get(0);
        twoOfTwo.submitLabel(task.taskId(), "alice", new Label("clear_road", 0f, 0f));

        assertThat(twoOfTwo.claim("alice", 10, LONG_LEASE)).isEmpty();
        assertThat(twoOfTwo.claim("bob", 10, LONG_LEASE)).extracting(Task::taskId).containsExactly(task.taskId());
        assertThat(db.stringValue("SELECT labeled_by::text FROM edge_case_tasks WHERE task_id = ?", task.taskId()))
                .isEqualTo("{alice}");
    }

    @Test
    void aLabelerNeverClaimsATaskItLabeledWhenTheNextLeaseOnItLapses() {
        TaskQueue twoOfTwo = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 2));
        twoOfTwo.ensureLabeler("carol", "labeler");
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = twoOfTwo.claim("alice", 1, LONG_LEASE).get(0);
        twoOfTwo.submitLabel(task.taskId(), "alice", new Label("clear_road", 0f, 0f));
        twoOfTwo.claim("bob", 1, SHORT_LEASE);

        await().atMost(Duration.ofSeconds(10)).until(() -> twoOfTwo.stats().pending() == 1);

        assertThat(twoOfTwo.claim("alice", 10, LONG_LEASE)).as("a lapsed lease on a task alice labeled").isEmpty();
        assertThat(twoOfTwo.claim("carol", 10, LONG_LEASE)).extracting(Task::taskId).containsExactly(task.taskId());
    }
}
