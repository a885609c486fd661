package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several labels per task: 2 of 3 agreeing make it labeled, disagreement sends it back, three disagreeing set it aside. */
@ExtendWith(EmbeddedPostgresExtension.class)
class ConsensusIT {
    private static final Duration LEASE = Duration.ofMinutes(5);

    private TaskStore store;
    private TaskQueue queue;
    private QueueAdmin admin;
    private long taskId;

    @BeforeEach
    void setUp(DataSource dataSource) {
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource, new ConsensusConfig(2, 3, 0.1f, 0.1f));
        admin = new QueueAdmin(dataSource);
        for (String labeler : new String[] {"alice", "bob", "carol", "dave"}) {
            queue.ensureLabeler(labeler, "labeler");
        }
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        taskId = queue.claim("alice", 1, LEASE).get(0).taskId();
    }

    @Test
    void aFirstLabelSendsTheTaskBackAndASecondAgreeingOneLabelsIt() {
        Submission first = queue.submit(taskId, "alice", new Label("debris", 0.0f, -0.9f));
        assertThat(first.completesTask()).isFalse();
        assertThat(first.taskState()).isEqualTo("pending");
        assertThat(queue.labeledAfter(0, 10)).as("the feed waits for agreement").isEmpty();

        claim("bob");
        Submission second = queue.submit(taskId, "bob", new Label("debris", 0.1f, -1.0f));

        assertThat(second.completesTask()).isTrue();
        assertThat(second.taskState()).isEqualTo("labeled");
        assertThat(queue.labeledAfter(0, 10)).extracting(LabeledExample::labelId).containsExactly(second.labelId());
        assertThat(queue.stats()).isEqualTo(new QueueStats(0, 0, 1, 0, 2));
        assertThat(queue.claim("carol", 1, LEASE)).isEmpty();
    }

    @Test
    void disagreementGoesBackToTheQueueUntilATieBreakerAgrees() {
        queue.submit(taskId, "alice", new Label("debris", 0.0f, -1.0f));
        claim("bob");
        Submission disagree = queue.submit(taskId, "bob", new Label("clear_road", 0.0f, 0.5f));
        assertThat(disagree.taskState()).isEqualTo("pending");

        claim("carol");
        Submission tieBreak = queue.submit(taskId, "carol", new Label("debris", -0.05f, -0.95f));

        assertThat(tieBreak.taskState()).isEqualTo("labeled");
        TaskDetail detail = queue.detail(taskId);
        assertThat(detail.labels()).extracting(RecordedLabel::labelerId).containsExactly("alice", "bob", "carol");
        assertThat(detail.labels()).extracting(RecordedLabel::completesTask).containsExactly(false, false, true);
    }

    @Test
    void threeLabelsWithoutAgreementSetTheTaskAsideWithTheQueuesReason() {
        queue.submit(taskId, "alice", new Label("debris", 0.0f, -1.0f));
        claim("bob");
        queue.submit(taskId, "bob", new Label("clear_road", 0.0f, 0.5f));
        claim("carol");
        Submission third = queue.submit(taskId, "carol", new Label("debris", 0.5f, -1.0f));

        assertThat(third.taskState()).isEqualTo("skipped");
        assertThat(queue.claim("dave", 1, LEASE)).isEmpty();
        TaskFlag flag = queue.detail(taskId).flags().get(0);
        assertThat(flag.reason()).isEqualTo(FlagReason.NO_CONSENSUS);
        assertThat(flag.labelerId()).isNull();
        assertThat(flag.note()).isEqualTo("3 labels, at most 1 agreeing with the last, 2 required");
        assertThat(queue.labeledAfter(0, 10)).isEmpty();
    }

    @Test
    void aTasksOwnCountsOverrideTheQueuesDefault() {
        admin.requireLabels(taskId, 1, 1);

        assertThat(queue.submit(taskId, "alice", new Label("debris", 0f, -1f)).taskState()).isEqualTo("labeled");
        assertThat(queue.detail(taskId).labelsRequired()).isEqualTo(1);
    }

    private void claim(String labeler) {
        assertThat(queue.claim(labeler, 1, LEASE)).extracting(Task::taskId).containsExactly(taskId);
    }
}
