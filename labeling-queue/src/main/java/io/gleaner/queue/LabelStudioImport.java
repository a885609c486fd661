package io.gleaner.queue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Takes a Label Studio annotation export back as labels ({@link LabelStudioFormat#annotations}).
 * Each annotation becomes a label of the task of its {@code data.frame_id}, by the labeler
 * {@code label-studio:<annotator>}, under the queue's consensus rule, exactly as if that labeler
 * had submitted it. It never overwrites or deletes a label: a task that is already labeled or set
 * aside keeps what it has, and an annotation that is one of the task's own labels coming back
 * unchanged from {@link LabelStudioExport} (its result ids name the label) or by an annotator who
 * labeled the task already is left out, so importing the same file twice adds nothing. A task someone holds a live lease on is left out
 * too; import again after the lease.
 *
 * <p>Each annotation is written in its own transaction under the task's row lock.
 */
public final class LabelStudioImport {
    /** Steering or acceleration closer than this counts as the same value (labels are stored as REAL). */
    static final float SAME_VALUE = 1e-4f;

    static final String LOCK_TASK_BY_FRAME = """
            SELECT task_id, state::text, lease_expires_at > now() AS lease_live, labels_required, max_labels
            FROM edge_case_tasks WHERE frame_id = ? FOR UPDATE
            """;

    static final String TASK_LABELS = "SELECT label_id, labeler_id, scene, steering, acceleration FROM labels WHERE task_id = ?";

    static final String REGISTER_LABELER = """
            INSERT INTO labelers (labeler_id, role) VALUES (?, 'labeler') ON CONFLICT (labeler_id) DO NOTHING
            """;

    /**
     * What an import did.
     *
     * @param imported annotations stored as new labels
     * @param alreadyPresent the task's own labels coming back, or by an annotator who labeled it already
     * @param taskClosed for tasks already labeled or set aside, which keep their labels
     * @param leased for tasks under someone's live lease
     * @param unknownFrame for frames the queue has no task for
     * @param cancelled annotations cancelled (skipped) in Label Studio
     * @param refused annotations that do not read as labels, each with the reason
     */
    public record Report(int imported, int alreadyPresent, int taskClosed, int leased, int unknownFrame,
                         int cancelled, List<String> refused) {}

    private enum Outcome { IMPORTED, ALREADY_PRESENT, TASK_CLOSED, LEASED, UNKNOWN_FRAME }

    private final DataSource dataSource;
    private final TaskQueue queue;

    public LabelStudioImport(DataSource dataSource, TaskQueue queue) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    /**
     * Imports every annotation of {@code export}, a Label Studio JSON export (a list of tasks).
     *
     * @throws IllegalArgumentException if {@code export} is not a list of tasks
     */
    public Report importExport(JsonNode export) {
        LabelStudioFormat.Parsed parsed = LabelStudioFormat.annotations(export);
        int[] counts = new int[Outcome.values().length];
        List<String> refused = new ArrayList<>(parsed.refused());
        for (LabelStudioFormat.Annotation annotation : parsed.annotations()) {
            counts[importOne(annotation).ordinal()]++;
        }
        return new Report(counts[Outcome.IMPORTED.ordinal()], counts[Outcome.ALREADY_PRESENT.ordinal()],
                counts[Outcome.TASK_CLOSED.ordinal()], counts[Outcome.LEASED.ordinal()],
                counts[Outcome.UNKNOWN_FRAME.ordinal()], parsed.cancelled(), List.copyOf(refused));
    }

    private Outcome importOne(LabelStudioFormat.Annotation annotation) {
        return JdbcTransaction.run(dataSource, "import of a Label Studio label of frame " + annotation.frameId(), c -> {
            long taskId;
            Integer required;
            Integer max;
            try (PreparedStatement st = c.prepareStatement(LOCK_TASK_BY_FRAME)) {
                st.setString(1, annotation.frameId());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Outcome.UNKNOWN_FRAME;
                    }
                    taskId = rs.getLong("task_id");
                    String state = rs.getString("state");
                    if (state.equals("labeled") || state.equals("skipped")) {
                        return alreadyHas(c, taskId, annotation) ? Outcome.ALREADY_PRESENT : Outcome.TASK_CLOSED;
                    }
                    if (state.equals("leased") && rs.getBoolean("lease_live")) {
                        return Outcome.LEASED;
                    }
                    required = rs.getObject("labels_required", Integer.class);
                    max = rs.getObject("max_labels", Integer.class);
                }
            }
            if (alreadyHas(c, taskId, annotation)) {
                return Outcome.ALREADY_PRESENT;
            }
            try (PreparedStatement st = c.prepareStatement(REGISTER_LABELER)) {
                st.setString(1, annotation.labelerId());
                st.executeUpdate();
            }
            queue.record(c, taskId, annotation.labelerId(), annotation.label(), required, max);
            return Outcome.IMPORTED;
        });
    }

    /**
     * Whether the task has a label by this annotator, or the annotation is one of the task's own
     * labels coming back from an export unchanged.
     */
    private static boolean alreadyHas(Connection c, long taskId, LabelStudioFormat.Annotation annotation)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(TASK_LABELS)) {
            st.setLong(1, taskId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Label label = annotation.label();
                    boolean echo = annotation.echoOfLabelId() != null && rs.getLong(1) == annotation.echoOfLabelId()
                            && rs.getString(3).equals(label.scene())
                            && Math.abs(rs.getFloat(4) - label.steering()) < SAME_VALUE
                            && Math.abs(rs.getFloat(5) - label.acceleration()) < SAME_VALUE;
                    if (echo || rs.getString(2).equals(annotation.labelerId())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
