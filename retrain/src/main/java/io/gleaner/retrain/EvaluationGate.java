package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a candidate model may replace the live one. Both are measured on the same
 * held-out labels; the candidate goes live only if its action error is not worse than the live
 * model's (within {@code tolerance}), so a worse candidate never goes live.
 *
 * <p>Scene accuracy is measured and reported but does not decide: the action is what the fleet
 * acts on. With fewer than {@code minHeldOut} held-out examples the held-out numbers are noise, so
 * the gate rejects the candidate and says so: it never judges on labels the candidate trained on.
 * {@link RetrainService} does not start a run until enough labels are held out, so this is a last guard.
 *
 * @param minHeldOut fewest held-out examples the gate trusts, at least 1
 * @param tolerance how much larger the candidate's action MAE may be and still count as not worse, ≥ 0
 */
public record EvaluationGate(int minHeldOut, double tolerance) {

    /** Mean over examples of (|Δsteering| + |Δacceleration|) / 2. */
    public static final String ACTION_MAE = "action_mae";
    /** Share of examples whose most probable scene is the labeled one. */
    public static final String SCENE_ACCURACY = "scene_accuracy";
    /** How many examples the metrics were measured on. */
    public static final String EXAMPLES = "examples";

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationGate.class);
    private static final int BATCH = 64;

    public EvaluationGate {
        if (minHeldOut < 1) {
            throw new IllegalArgumentException("gate.min-held-out is " + minHeldOut + "; it must be at least 1");
        }
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("gate.tolerance is " + tolerance + "; it must be in [0, 1), e.g. 1e-4");
        }
    }

    /** At least 5 held-out examples, tolerance 1e-4. */
    public static EvaluationGate defaults() {
        return new EvaluationGate(5, 1e-4);
    }

    /**
     * Measures both models on {@code heldOut} and decides. With fewer than {@link #minHeldOut()}
     * held-out examples whose images can be decoded, the candidate is rejected and the reason says
     * why: the training labels are never a substitute, since the candidate has learned them.
     */
    public GateDecision decide(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut) {
        if (heldOut.size() < minHeldOut) {
            return tooFew(heldOut.size());
        }
        Map<String, Double> liveMetrics = evaluate(live, heldOut);
        Map<String, Double> candidateMetrics = evaluate(candidate, heldOut);
        int measured = (int) Math.min(liveMetrics.get(EXAMPLES), candidateMetrics.get(EXAMPLES));
        if (measured < minHeldOut) {
            return tooFew(measured);
        }
        double liveMae = liveMetrics.get(ACTION_MAE);
        double candidateMae = candidateMetrics.get(ACTION_MAE);
        boolean promote = candidateMae <= liveMae + tolerance;
        String reason = String.format("candidate action MAE %.4f %s the live model's %.4f on %d held-out labels"
                        + " (scene accuracy %.3f vs %.3f)",
                candidateMae, promote ? "is not worse than" : "is worse than", liveMae, measured,
                candidateMetrics.get(SCENE_ACCURACY), liveMetrics.get(SCENE_ACCURACY));
        return new GateDecision(promote, candidateMetrics, liveMetrics, reason);
    }

    private GateDecision tooFew(int heldOut) {
        return new GateDecision(false, Map.of(), Map.of(), "not judged: only " + heldOut
                + " usable held-out labels, fewer than gate.min-held-out " + minHeldOut
                + "; a candidate is never judged on the labels it trained on");
    }

    /**
     * {@link #ACTION_MAE}, {@link #SCENE_ACCURACY} and {@link #EXAMPLES} of {@code model} on the
     * examples. A scene the model does not know counts as a wrong scene; an example whose image
     * cannot be decoded is skipped with a WARN, so {@link #EXAMPLES} counts those measured.
     *
     * @throws IllegalArgumentException when there is no example, or none can be decoded
     */
    public static Map<String, Double> evaluate(DrivingModel model, List<LabeledExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no labeled examples to evaluate model v" + model.version() + " on");
        }
        List<String> classes = model.sceneClasses();
        double absoluteError = 0;
        int correctScenes = 0;
        int measured = 0;
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<LabeledExample> slice = examples.subList(from, Math.min(examples.size(), from + BATCH));
            List<LabeledExample> batch = new ArrayList<>(slice.size());
            List<float[]> inputs = new ArrayList<>(slice.size());
            for (LabeledExample example : slice) {
                try {
                    inputs.add(model.preprocess(LabeledImages.imageOf(example)));
                    batch.add(example);
                } catch (IllegalArgumentException e) {
                    LOG.warn("skipping label {} (frame {}) in evaluating v{}: {}", example.labelId(), example.frameId(),
                            model.version(), e.getMessage());
                }
            }
            if (batch.isEmpty()) {
                continue;
            }
            measured += batch.size();
            List<Prediction> predictions = model.predict(inputs);
            for (int i = 0; i < batch.size(); i++) {
                LabeledExample example = batch.get(i);
                Prediction prediction = predictions.get(i);
                absoluteError += (Math.abs(prediction.steering() - example.steering())
                        + Math.abs(prediction.acceleration() - example.acceleration())) / 2.0;
                if (classes.get(argmax(prediction.sceneProbabilities())).equals(example.scene())) {
                    correctScenes++;
                }
            }
        }
        if (measured == 0) {
            throw new IllegalArgumentException("none of the " + examples.size() + " labeled examples has an image model v"
                    + model.version() + " can decode; see the WARN lines above");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(ACTION_MAE, absoluteError / measured);
        metrics.put(SCENE_ACCURACY, (double) correctScenes / measured);
        metrics.put(EXAMPLES, (double) measured);
        return metrics;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
