package io.gleaner.retrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (decoupled weight decay; with a weight decay of 0 it is plain Adam) on a
 * {@link LearningRateSchedule}, whose moments can be saved and restored. DJL's own {@code Adam} and
 * {@code AdamW} keep their moments private, so a run resumed from a checkpoint would restart them
 * at zero and diverge from the uninterrupted run. The update is DJL's native {@code adamUpdate},
 * called exactly as DJL's AdamW calls it.
 */
public final class ResumableAdam extends Optimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final NDManager stateManager;
    private final LearningRateSchedule schedule;
    private final float weightDecay;
    private final Map<String, NDArray> means = new HashMap<>();
    private final Map<String, NDArray> variances = new HashMap<>();
    private final Map<String, Long> updates = new HashMap<>();

    /** Every gradient element is clipped to [-clip, clip] before the update; infinite for none. */
    private final float clipGradient;

    /**
     * @param stateManager owns the moment arrays (close it to free them)
     * @param clipGradient every gradient element is clipped to [-clipGradient, clipGradient] before
     *     the update; {@code Float.POSITIVE_INFINITY} for no clipping
     */
    public ResumableAdam(NDManager stateManager, LearningRateSchedule schedule, float weightDecay,
            float clipGradient) {
        // No clipping by adamUpdate itself: it clamps from above only, so a gradient element of -100
        // went through a clip of 1 unchanged. update() clips both sides.
        super(new Builder());
        if (!(clipGradient > 0)) {
            throw new IllegalArgumentException("clipGradient is " + clipGradient
                    + "; it must be > 0 (Float.POSITIVE_INFINITY for no clipping)");
        }
        if (!(weightDecay >= 0 && Float.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weightDecay is " + weightDecay + "; it must be a finite number >= 0");
        }
        this.stateManager = stateManager;
        this.schedule = schedule;
        this.weightDecay = weightDecay;
        this.clipGradient = clipGradient;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        long step = updates.merge(parameterId, 1L, Long::sum);
        double correction1 = 1 - Math.pow(BETA1, step);
        double correction2 = 1 - Math.pow(BETA2, step);
        float rate = schedule.learningRate(step);
        float corrected = (float) (rate * Math.sqrt(correction2) / correction1);
        NDArray mean = means.computeIfAbsent(parameterId, id -> stateManager.zeros(weight.getShape()));
        NDArray variance = variances.computeIfAbsent(parameterId, id -> stateManager.zeros(weight.getShape()));
        if (clipGradient == Float.POSITIVE_INFINITY) {
            adamUpdate(weight, grad, mean, variance, rate, corrected);
            return;
        }
        // Not grad.clip(min, max): DJL makes its two bounds arrays on the gradient's manager, which
        // lives as long as the model, and never closes them (pretraining grew by 10 MB a step).
        // Bounds and result here live in a scratch manager, closed after the update.
        try (NDManager scratch = stateManager.newSubManager()) {
            NDArray clipped = scratch.create(clipGradient).minimum(scratch.create(-clipGradient).maximum(grad));
            adamUpdate(weight, clipped, mean, variance, rate, corrected);
        }
    }

    private void adamUpdate(NDArray weight, NDArray grad, NDArray mean, NDArray variance, float rate, float corrected) {
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, mean, variance), new NDList(weight), rate,
                corrected, weightDecay, rescaleGrad, -1f, BETA1, BETA2, EPSILON, true, true);
    }

    /** The moments of {@code parameterIds}, in that order: mean, variance, mean, variance, ... */
    public NDList state(List<String> parameterIds) {
        NDList state = new NDList();
        for (String id : parameterIds) {
            NDArray mean = means.get(id);
            NDArray variance = variances.get(id);
            if (mean == null || variance == null) {
                throw new IllegalStateException("parameter " + id + " has not been updated yet; save after a step");
            }
            state.add(mean);
            state.add(variance);
        }
        return state;
    }

    /** Updates made so far (the same for every parameter). */
    public long updateCount() {
        return updates.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Restores what {@link #state} returned, for the same parameters in the same order. */
    public void restore(List<String> parameterIds, NDList state, long updateCount) {
        if (state.size() != 2 * parameterIds.size()) {
            throw new IllegalArgumentException("optimizer state holds " + state.size() + " arrays for "
                    + parameterIds.size() + " parameters; the checkpoint is of another network");
        }
        for (int i = 0; i < parameterIds.size(); i++) {
            String id = parameterIds.get(i);
            NDArray mean = state.get(2 * i);
            NDArray variance = state.get(2 * i + 1);
            mean.attach(stateManager);
            variance.attach(stateManager);
            means.put(id, mean);
            variances.put(id, variance);
            updates.put(id, updateCount);
        }
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
