package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class QueueAdminIT {
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Instant AFTER_HARVEST = Instant.ofEpochMilli(EdgeCases.HARVESTED_TIME_MS + 1);

    private TaskStore store;
    private TaskQueue queue;
    private QueueAdmin admin;
    private SqlProbe db;

    @BeforeEach
    void setUp(DataSource dataSource) {
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        admin = new QueueAdmin(dataSource);
        db = new SqlProbe(dataSource);
        queue.ensureLabeler("alice", "labeler");
    }

    @Test
    void reprioritisingChangesWhatIsClaimedNext() {
        store.insert(EdgeCases.edgeCase("urgent-later", 0.1));
        store.insert(EdgeCases.edgeCase("first", 0.9));
        long later = taskIdOf("urgent-later");

        admin.reprioritise(later, 5.0);

        assertThat(queue.claim("alice", 1, LEASE)).extracting(Task::frameId).containsExactly("urgent-later");
        assertThatThrownBy(() -> admin.reprioritise(later, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is NaN");
        assertThatThrownBy(() -> admin.reprioritise(404L, 1.0)).isInstanceOf(TaskNotFoundException.class);
    }

    @Test
    void requireLabelsChecksItsCounts() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));

        assertThatThrownBy(() -> admin.requireLabels(taskIdOf("frame-1"), 3, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max labels is 2");
        assertThatThrownBy(() -> admin.requireLabels(404L, 2, 3)).isInstanceOf(TaskNotFoundException.class);
    }

    @Test
    void purgeTaskDeletesAnUnlabeledTaskButNeverALabeledOrLeasedOne() {
        store.insert(EdgeCases.edgeCase("labeled", 0.9));
        store.insert(EdgeCases.edgeCase("leased", 0.8));
        store.insert(EdgeCases.edgeCase("pending", 0.1));
        List<Task> claimed = queue.claim("alice", 2, LEASE);
        queue.submitLabel(claimed.get(0).taskId(), "alice", new Label("clear_road", 0f, 0f));

        admin.purgeTask(taskIdOf("pending"));

        assertThatThrownBy(() -> admin.purgeTask(claimed.get(0).taskId()))
                .isInstanceOf(TaskConflictException.class).hasMessageContaining("has labels");
        assertThatThrownBy(() -> admin.purgeTask(claimed.get(1).taskId()))
                .isInstanceOf(TaskConflictException.class).hasMessageContaining("leased");
        assertThatThrownBy(() -> admin.purgeTask(404L)).isInstanceOf(TaskNotFoundException.class);
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks")).isEqualTo(2);
        assertThat(db.longValue("SELECT count(*) FROM labels")).isEqualTo(1);
    }

    @Test
    void purgeDeletesOnlyTheNamedStatesHarvestedBeforeTheCutoffWithTheirFlags() {
        store.insert(EdgeCases.edgeCase("skipped", 0.9));
        store.insert(EdgeCases.edgeCase("pending", 0.1));
        Task skipped = queue.claim("alice", 1, LEASE).get(0);
        queue.skip(skipped.taskId(), "alice", FlagReason.UNLABELABLE, null);

        assertThat(admin.purge(List.of("skipped"), Instant.ofEpochMilli(EdgeCases.HARVESTED_TIME_MS))).isZero();
        assertThat(admin.purge(List.of("skipped"), AFTER_HARVEST)).isEqualTo(1);

        assertThat(db.stringValue("SELECT string_agg(frame_id, ',') FROM edge_case_tasks")).isEqualTo("pending");
        assertThat(db.longValue("SELECT count(*) FROM task_flags")).isZero();
        assertThatThrownBy(() -> admin.purge(List.of("labeled"), AFTER_HARVEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never purged");
        assertThatThrownBy(() -> admin.purge(List.of(), AFTER_HARVEST)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exportPagesEveryLabelWithItsTaskContext() {
        for (int i = 1; i <= 3; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, 10 - i));
        }
        List<Long> ids = queue.claim("alice", 3, LEASE).stream()
                .map(t -> queue.submitLabel(t.taskId(), "alice", new Label("debris", 0.25f, -1f, "note " + t.frameId())))
                .toList();

        List<ExportedLabel> first = admin.exportLabels(0, 2);
        List<ExportedLabel> rest = admin.exportLabels(first.get(1).labelId(), 2);

        assertThat(first).extracting(ExportedLabel::labelId).containsExactly(ids.get(0), ids.get(1));
        assertThat(rest).extracting(ExportedLabel::labelId).containsExactly(ids.get(2));
        ExportedLabel one = first.get(0);
        assertThat(one.frameId()).isEqualTo("frame-1");
        assertThat(one.labelerId()).isEqualTo("alice");
        assertThat(one.label()).isEqualTo(new Label("debris", 0.25f, -1f, "note frame-1"));
        assertThat(one.completesTask()).isTrue();
        assertThat(one.modelVersion()).isEqualTo("7");
        assertThat(one.predictedSteering()).isEqualTo(0.125f);
        assertThat(one.humanAcceleration()).isEqualTo(0.5f);
        assertThat(one.triggers()).extracting(FiredTrigger::name).containsExactly("action_disagreement");
        assertThatThrownBy(() -> admin.exportLabels(0, 0)).hasMessageContaining("1 .. 10000");
    }

    private long taskIdOf(String frameId) {
        return db.longValue("SELECT task_id FROM edge_case_tasks WHERE frame_id = ?", frameId);
    }
}
