package io.gleaner.retrain;

import io.gleaner.scorer.model.DrivingModel;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The step a fine-tune took in weight space, from the live model's weights to the fine-tuned ones,
 * so a candidate can be set anywhere along it: {@code w = live + share · (tuned − live)} (share 1
 * is the fine-tuned model, 0 the live one). This is how WiSE-FT (Wortsman et al. 2022) mixes a
 * fine-tuned model with the one it started from; {@link RetrainService} picks the share on held-out
 * data, guarded by the golden set.
 *
 * <p>Both ends are copied when the step is taken, so moving a candidate back and forth along it
 * never compounds rounding and needs neither model loaded again.
 */
public final class FineTuneStep {
    private final Map<String, float[]> from;
    private final Map<String, float[]> to;

    private FineTuneStep(Map<String, float[]> from, Map<String, float[]> to) {
        this.from = from;
        this.to = to;
    }

    /**
     * The step from {@code live}'s weights to {@code tuned}'s, as they are now.
     *
     * @throws IllegalArgumentException when the two models do not have the same parameters
     */
    public static FineTuneStep between(DrivingModel live, DrivingModel tuned) {
        Map<String, float[]> from = weights(live);
        Map<String, float[]> to = weights(tuned);
        for (Map.Entry<String, float[]> parameter : to.entrySet()) {
            float[] start = from.get(parameter.getKey());
            if (start == null || start.length != parameter.getValue().length) {
                throw new IllegalArgumentException("model v" + tuned.version() + " has parameter "
                        + parameter.getKey() + " of " + parameter.getValue().length + " values, model v"
                        + live.version() + " " + (start == null ? "has none" : "has " + start.length)
                        + "; a fine-tune step joins two models of one architecture");
            }
        }
        if (from.size() != to.size()) {
            throw new IllegalArgumentException("model v" + live.version() + " has " + from.size()
                    + " parameters, model v" + tuned.version() + " " + to.size()
                    + "; a fine-tune step joins two models of one architecture");
        }
        return new FineTuneStep(from, to);
    }

    /**
     * Sets every weight of {@code candidate} (a model of the same architecture, normally the tuned
     * one) to {@code share} of the way along the step; at share 1 to the fine-tuned weights exactly.
     *
     * @throws IllegalArgumentException when {@code share} is not in (0, 1]
     */
    public void moveTo(DrivingModel candidate, float share) {
        if (!(share > 0f && share <= 1f)) {
            throw new IllegalArgumentException("step share is " + share + "; it must be in (0, 1]");
        }
        for (var parameter : candidate.djlModel().getBlock().getParameters()) {
            float[] start = from.get(parameter.getKey());
            float[] end = to.get(parameter.getKey());
            // The full step is the fine-tuned model bit for bit, not up to rounding.
            float[] mixed = share == 1f ? end.clone() : new float[end.length];
            for (int i = 0; share < 1f && i < mixed.length; i++) {
                mixed[i] = start[i] + share * (end[i] - start[i]);
            }
            parameter.getValue().getArray().set(FloatBuffer.wrap(mixed));
        }
    }

    private static Map<String, float[]> weights(DrivingModel model) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (var parameter : model.djlModel().getBlock().getParameters()) {
            weights.put(parameter.getKey(), parameter.getValue().getArray().toFloatArray());
        }
        return weights;
    }
}
