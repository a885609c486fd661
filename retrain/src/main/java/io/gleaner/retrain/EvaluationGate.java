package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a candidate model may replace the live one. Both are measured on the same
 * held-out labels; the candidate goes live only if its action error is not worse than the live
 * model's (within {@code tolerance}), so a worse candidate never goes live.
 *
 * <p>Scene accuracy is measured and reported but does not decide: the action is what the fleet
 * acts on. With fewer than {@code minHeldOut} held-out examples the held-out numbers are noise, so
 * the gate measures on the training labels instead and says so in the reason.
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
     * Measures both models on {@code heldOut}, or on {@code training} when fewer than
     * {@link #minHeldOut()} examples are held out, and decides.
     *
     * @throws IllegalArgumentException when neither set has an example
     */
    public GateDecision decide(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut,
            List<LabeledExample> training) {
        boolean onHeldOut = heldOut.size() >= minHeldOut;
        List<LabeledExample> examples = onHeldOut ? heldOut : training;
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no labeled examples to evaluate the candidate on; label some frames first");
        }
        Map<String, Double> liveMetrics = evaluate(live, examples);
        Map<String, Double> candidateMetrics = evaluate(candidate, examples);
        double liveMae = liveMetrics.get(ACTION_MAE);
        double candidateMae = candidateMetrics.get(ACTION_MAE);
        boolean promote = candidateMae <= liveMae + tolerance;
        String set = onHeldOut
                ? examples.size() + " held-out labels"
                : "the " + examples.size() + " training labels, because only " + heldOut.size()
                        + " labels are held out (fewer than " + minHeldOut + ")";
        String reason = String.format("candidate action MAE %.4f %s the live model's %.4f on %s"
                        + " (scene accuracy %.3f vs %.3f)",
                candidateMae, promote ? "is not worse than" : "is worse than", liveMae, set,
                candidateMetrics.get(SCENE_ACCURACY), liveMetrics.get(SCENE_ACCURACY));
        return new GateDecision(promote, candidateMetrics, liveMetrics, reason);
    }

    /**
     * {@link #ACTION_MAE}, {@link #SCENE_ACCURACY} and {@link #EXAMPLES} of {@code model} on the
     * examples. A scene the model does not know counts as a wrong scene.
     */
    public static Map<String, Double> evaluate(DrivingModel model, List<LabeledExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no labeled examples to evaluate model v" + model.version() + " on");
        }
        List<String> classes = model.sceneClasses();
        double absoluteError = 0;
        int correctScenes = 0;
        for (int from = 0; from < examples.size(); from += BATCH) {
            List<LabeledExample> batch = examples.subList(from, Math.min(examples.size(), from + BATCH));
            List<float[]> inputs = new ArrayList<>(batch.size());
            for (LabeledExample example : batch) {
                inputs.add(model.preprocess(LabeledImages.imageOf(example)));
            }
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
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(ACTION_MAE, absoluteError / examples.size());
        metrics.put(SCENE_ACCURACY, (double) correctScenes / examples.size());
        metrics.put(EXAMPLES, (double) examples.size());
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
