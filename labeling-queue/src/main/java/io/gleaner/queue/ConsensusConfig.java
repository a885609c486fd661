package io.gleaner.queue;

/**
 * When a task's labels are enough. A task is labeled once {@code labelsRequired} labels agree: the
 * same scene class, and steering and acceleration each within the tolerance of the label that
 * completes the agreement. Until then each label sends the task back to the queue for another
 * labeler (a labeler never labels the same task twice); after {@code maxLabels} labels without
 * agreement the task is set aside as skipped with reason {@code no_consensus}. A task's own
 * {@code labels_required} / {@code max_labels} columns override these defaults.
 *
 * @param labelsRequired agreeing labels that make a task labeled, 1 .. {@value #MAX_LABELS}
 * @param maxLabels labels after which a task without agreement is set aside,
 *     {@code labelsRequired} .. {@value #MAX_LABELS}
 * @param steeringTolerance largest steering difference that still agrees, 0 .. 2
 * @param accelerationTolerance largest acceleration difference that still agrees, 0 .. 2
 */
public record ConsensusConfig(int labelsRequired, int maxLabels, float steeringTolerance, float accelerationTolerance) {
    /** Most labels a task can ask for, as the {@code edge_case_tasks_*_ck} constraints allow. */
    public static final int MAX_LABELS = 10;

    public ConsensusConfig {
        if (labelsRequired < 1 || labelsRequired > MAX_LABELS) {
            throw new IllegalArgumentException("consensus labels required is " + labelsRequired
                    + ", must be 1 .. " + MAX_LABELS + " (1: the first label is final)");
        }
        if (maxLabels < labelsRequired || maxLabels > MAX_LABELS) {
            throw new IllegalArgumentException("consensus max labels is " + maxLabels + ", must be "
                    + labelsRequired + " (labels required) .. " + MAX_LABELS + ", e.g. 3 for 2 of 3");
        }
        requireTolerance("steering", steeringTolerance);
        requireTolerance("acceleration", accelerationTolerance);
    }

    /** One label is final: no consensus. Tolerances 0.1 for when a task asks for more. */
    public static ConsensusConfig defaults() {
        return new ConsensusConfig(1, 1, 0.1f, 0.1f);
    }

    /** {@code required} of {@code max} labels must agree, with the default tolerances. */
    public static ConsensusConfig agreeing(int required, int max) {
        ConsensusConfig d = defaults();
        return new ConsensusConfig(required, max, d.steeringTolerance(), d.accelerationTolerance());
    }

    /**
     * Float rounding slack: labels are stored as REAL, so -1.0 and -0.9 read back 0.100000024
     * apart, and a tolerance of 0.1 must still count them as agreeing.
     */
    private static final float ROUNDING = 1e-6f;

    /** Whether two labels agree: same scene, both action parts within tolerance. */
    public boolean agree(Label a, Label b) {
        return a.scene().equals(b.scene())
                && Math.abs(a.steering() - b.steering()) <= steeringTolerance + ROUNDING
                && Math.abs(a.acceleration() - b.acceleration()) <= accelerationTolerance + ROUNDING;
    }

    private static void requireTolerance(String name, float tolerance) {
        if (!Float.isFinite(tolerance) || tolerance < 0f || tolerance > 2f) {
            throw new IllegalArgumentException("consensus " + name + " tolerance is " + tolerance
                    + ", must be 0 .. 2 (the action range is -1 .. 1)");
        }
    }
}
