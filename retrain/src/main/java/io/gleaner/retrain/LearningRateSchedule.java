package io.gleaner.retrain;

/**
 * A learning rate that warms up linearly and then falls along a cosine: at update {@code step}
 * (1-based) of {@code totalSteps} it is
 * {@code peak · min(1, step / warmupSteps) · (f + (1 − f) · ½ (1 + cos(π · min(1, step / totalSteps))))},
 * with {@code f} the final share, so the last update runs at {@code f · peak}. Cosine decay as in
 * SGDR (Loshchilov and Hutter, 2017), without restarts.
 *
 * @param peak the rate after the warm-up, in (0, 1]
 * @param finalShare the share of {@code peak} the rate falls to at the last step, in [0, 1]
 * @param warmupSteps steps of the linear warm-up, 0 for none
 * @param totalSteps steps of the whole run, at least 1
 */
public record LearningRateSchedule(float peak, float finalShare, long warmupSteps, long totalSteps) {
    public LearningRateSchedule {
        if (!(peak > 0f && peak <= 1f)) {
            throw new IllegalArgumentException("learning rate peak is " + peak + "; it must be in (0, 1], e.g. 1e-3");
        }
        if (!(finalShare >= 0f && finalShare <= 1f)) {
            throw new IllegalArgumentException("learning rate final share is " + finalShare + "; it must be in [0, 1]");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps is " + warmupSteps + "; it must be at least 0");
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("total steps is " + totalSteps + "; it must be at least 1");
        }
    }

    /** The learning rate of update number {@code step} (1-based). */
    public float learningRate(long step) {
        double warm = warmupSteps == 0 ? 1 : Math.min(1.0, (double) step / warmupSteps);
        double progress = Math.min(1.0, (double) step / totalSteps);
        double decay = finalShare + (1 - finalShare) * 0.5 * (1 + Math.cos(Math.PI * progress));
        return (float) (peak * warm * decay);
    }
}
