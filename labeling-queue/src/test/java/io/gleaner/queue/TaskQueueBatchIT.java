package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.queue.TaskQueue.ClaimRequest;
import io.gleaner.queue.TaskQueue.FirstLabel;
import io.gleaner.queue.TaskQueue.SubmitRequest;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The batched claim and submit statements, driven with a batch built by hand rather than by a
 * race, so that each rule is checked every run: order, leases, who may take what, and what sends
 * a caller to run alone.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskQueueBatchIT {
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Label LABEL = new Label("debris", 0.1f, -0.5f);

    private DataSource dataSource;
    private TaskStore store;
    private SqlProbe db;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        store = new TaskStore(dataSource);
        db = new SqlProbe(dataSource);
    }

    @Test
    void aBatchGivesTheBestTasksToTheOldestClaimsFirstEachWithItsOwnLease() {
        TaskQueue queue = new TaskQueue(dataSource);
        for (int i = 1; i <= 6; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i / 10.0));
        }

        List<List<Task>> answers = queue.claimTogether(List.of(
                new ClaimRequest("ann", 1, 60), new ClaimRequest("ben", 2, 600), new ClaimRequest("cy", 1, 60)));

        assertThat(answers).hasSize(3);
        assertThat(answers.get(0)).extracting(Task::frameId).containsExactly("frame-6");
        assertThat(answers.get(1)).extracting(Task::frameId).containsExactly("frame-5", "frame-4");
        assertThat(answers.get(2)).extracting(Task::frameId).containsExactly("frame-3");
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks WHERE state = 'leased'")).isEqualTo(4);
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks WHERE frame_id = 'frame-4'"
                + " AND lease_owner = 'ben' AND attempts = 1"
                + " AND lease_expires_at BETWEEN now() + interval '590 s' AND now() + interval '610 s'")).isOne();
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks WHERE frame_id = 'frame-3'"
                + " AND lease_owner = 'cy' AND lease_expires_at < now() + interval '70 s'")).isOne();
    }

    /**
     * Under 2-of-2 consensus, ann labeled the best task. In a batch with ann, nobody is given it:
     * ann must not be, and the claim whose slot it took gets nothing and is sent to run alone,
     * where ben, who may label it, takes it.
     */
    @Test
    void aTaskSomeoneInTheBatchLabeledGoesToNobodyThereAndItsSlotsClaimRunsAlone() {
        TaskQueue queue = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 2));
        long best = annLabelsTheBestOf(queue, "frame-next");

        List<List<Task>> answers = queue.claimTogether(List.of(new ClaimRequest("ben", 1, 60),
                new ClaimRequest("ann", 1, 60)));

        assertThat(answers.get(0)).as("ben's slot held the task ann labeled").isNull();
        assertThat(answers.get(1)).extracting(Task::frameId).containsExactly("frame-next");
        assertThat(queue.claim("ben", 1, LEASE)).extracting(Task::taskId).containsExactly(best);
    }

    @Test
    void aTaskEveryoneInTheBatchLabeledIsPassedOver() {
        TaskQueue queue = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 2));
        annLabelsTheBestOf(queue, "frame-a", "frame-b");

        List<List<Task>> answers = queue.claimTogether(List.of(new ClaimRequest("ann", 1, 60),
                new ClaimRequest("ann", 1, 60)));

        assertThat(answers).extracting(tasks -> tasks.get(0).frameId()).containsExactly("frame-a", "frame-b");
    }

    @Test
    void aBatchOfSubmitsLabelsWhatIsHeldAndReportsTheRestAsFound() {
        TaskQueue queue = new TaskQueue(dataSource);
        queue.ensureLabeler("ann", "labeler");
        queue.ensureLabeler("ben", "labeler");
        for (int i = 1; i <= 3; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i / 10.0));
        }
        long annsTask = queue.claim("ann", 1, LEASE).get(0).taskId();
        long bensTask = queue.claim("ben", 1, LEASE).get(0).taskId();

        List<FirstLabel> answers = queue.submitTogether(List.of(
                new SubmitRequest(annsTask, "ann", LABEL),
                new SubmitRequest(bensTask, "ann", LABEL),
                new SubmitRequest(999_999, "ann", LABEL)));

        assertThat(answers.get(0).labelId()).isNotNull();
        assertThat(answers.get(0).task().owner()).isEqualTo("ann");
        assertThat(answers.get(1).labelId()).as("ann does not hold ben's task").isNull();
        assertThat(answers.get(1).task().owner()).isEqualTo("ben");
        assertThat(answers.get(1).task().live()).isTrue();
        assertThat(answers.get(2)).isEqualTo(new FirstLabel(null, null));
        assertThat(db.stringValue("SELECT string_agg(task_id || ':' || labeler_id, ',') FROM labels"))
                .isEqualTo(annsTask + ":ann");
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks WHERE task_id = " + annsTask
                + " AND state = 'labeled' AND lease_owner IS NULL AND labeled_by = '{ann}'")).isOne();
        assertThat(queue.labeledAfter(0, 10)).extracting(LabeledExample::labelId)
                .containsExactly(answers.get(0).labelId());
    }

    @Test
    void aBatchWithAnUnregisteredLabelerWritesNothingAndSendsEveryCallerToRunAlone() {
        TaskQueue queue = new TaskQueue(dataSource);
        queue.ensureLabeler("ann", "labeler");
        store.insert(EdgeCases.edgeCase("frame-1", 0.2));
        store.insert(EdgeCases.edgeCase("frame-2", 0.1));
        long annsTask = queue.claim("ann", 1, LEASE).get(0).taskId();
        long ghostsTask = queue.claim("ghost", 1, LEASE).get(0).taskId();

        List<FirstLabel> answers = queue.submitTogether(List.of(
                new SubmitRequest(annsTask, "ann", LABEL), new SubmitRequest(ghostsTask, "ghost", LABEL)));

        assertThat(answers).containsExactly(null, null);
        assertThat(db.longValue("SELECT count(*) FROM labels")).isZero();
    }

    @Test
    void aRepeatedSubmitInOneBatchRunsAloneAfterIt() {
        TaskQueue queue = new TaskQueue(dataSource);
        queue.ensureLabeler("ann", "labeler");
        store.insert(EdgeCases.edgeCase("frame-1", 0.2));
        long task = queue.claim("ann", 1, LEASE).get(0).taskId();

        List<FirstLabel> answers = queue.submitTogether(List.of(
                new SubmitRequest(task, "ann", LABEL), new SubmitRequest(task, "ann", LABEL)));

        assertThat(answers.get(0).labelId()).isNotNull();
        assertThat(answers.get(1)).isNull();
        assertThat(db.longValue("SELECT count(*) FROM labels")).isOne();
    }

    /**
     * Inserts frame-best and {@code others} (with falling priorities), and has ann claim and label
     * frame-best, which then waits for a second label; returns its task id.
     */
    private long annLabelsTheBestOf(TaskQueue queue, String... others) {
        queue.ensureLabeler("ann", "labeler");
        store.insert(EdgeCases.edgeCase("frame-best", 0.9));
        for (int i = 0; i < others.length; i++) {
            store.insert(EdgeCases.edgeCase(others[i], 0.5 - i / 10.0));
        }
        long best = queue.claim("ann", 1, LEASE).get(0).taskId();
        assertThat(queue.submit(best, "ann", LABEL).taskState()).isEqualTo("pending");
        return best;
    }
}
