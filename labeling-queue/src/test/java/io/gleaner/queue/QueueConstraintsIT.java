package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the database itself refuses, whatever code talks to it. */
@ExtendWith(EmbeddedPostgresExtension.class)
class QueueConstraintsIT {
    private TaskStore store;
    private TaskQueue queue;
    private SqlProbe db;

    @BeforeEach
    void setUp(DataSource dataSource) {
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        db = new SqlProbe(dataSource);
        queue.ensureLabeler("alice", "labeler");
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
    }

    /** PostgreSQL treats 'NaN' = 'NaN' as true and orders NaN above every number; the CHECK must still refuse it. */
    @Test
    void aNanPriorityIsRefusedByTheNamedCheck() {
        assertThatThrownBy(() -> db.execute("UPDATE edge_case_tasks SET priority = 'NaN'"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("edge_case_tasks_priority_not_nan_ck");
        assertThat(db.longValue("SELECT count(*) FROM edge_case_tasks WHERE priority = 'NaN'")).isZero();
    }

    @Test
    void theSinkRejectsANanPriorityInsteadOfRetryingIt() {
        assertThatThrownBy(() -> store.insert(EdgeCases.edgeCase("frame-nan", Double.NaN)))
                .isInstanceOf(RejectedEdgeCaseException.class)
                .hasMessageContaining("NaN priority")
                .extracting(e -> ((RejectedEdgeCaseException) e).reason())
                .isEqualTo(RejectedEdgeCaseException.INCONSISTENT);
    }

    @Test
    void aLabelIsNeverChangedOrDeleted() {
        long taskId = queue.claim("alice", 1, Duration.ofMinutes(5)).get(0).taskId();
        queue.submitLabel(taskId, "alice", new Label("debris", 0f, -1f));

        assertThatThrownBy(() -> db.execute("UPDATE labels SET scene = 'clear_road'"))
                .isInstanceOf(SQLException.class).hasMessageContaining("labels are never changed or deleted");
        assertThatThrownBy(() -> db.execute("DELETE FROM labels"))
                .isInstanceOf(SQLException.class).hasMessageContaining("labels are never changed or deleted");
        assertThat(db.stringValue("SELECT scene FROM labels")).isEqualTo("debris");
    }

    @Test
    void aLabelerLabelsATaskAtMostOnce() {
        long taskId = db.longValue("SELECT task_id FROM edge_case_tasks");
        String insert = "INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration) VALUES (?, 'alice', 'x', 0, 0)";
        assertThat(uncheckedExecute(insert, taskId)).isEqualTo(1);

        assertThatThrownBy(() -> db.execute(insert, taskId))
                .isInstanceOf(SQLException.class).hasMessageContaining("labels_task_labeler_uq");
    }

    @Test
    void flagReasonsAreACheckedSet() {
        long taskId = db.longValue("SELECT task_id FROM edge_case_tasks");

        assertThatThrownBy(() -> db.execute(
                "INSERT INTO task_flags (task_id, labeler_id, kind, reason) VALUES (?, 'alice', 'flag', 'boring')", taskId))
                .isInstanceOf(SQLException.class).hasMessageContaining("task_flags_reason_ck");
        assertThatThrownBy(() -> db.execute(
                "INSERT INTO task_flags (task_id, labeler_id, kind, reason) VALUES (?, 'alice', 'skip', 'no_consensus')", taskId))
                .isInstanceOf(SQLException.class).hasMessageContaining("task_flags_system_reason_ck");
    }

    @Test
    void consensusCountsAreChecked() {
        assertThatThrownBy(() -> db.execute("UPDATE edge_case_tasks SET labels_required = 3, max_labels = 2"))
                .isInstanceOf(SQLException.class).hasMessageContaining("edge_case_tasks_consensus_ck");
        assertThatThrownBy(() -> db.execute("UPDATE edge_case_tasks SET labels_required = 0"))
                .isInstanceOf(SQLException.class).hasMessageContaining("edge_case_tasks_labels_required_ck");
    }

    private int uncheckedExecute(String sql, Object... parameters) {
        try {
            return db.execute(sql, parameters);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
