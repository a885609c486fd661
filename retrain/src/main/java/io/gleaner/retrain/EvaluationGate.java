package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a candidate model may replace the live one. Both are measured on the same
 * held-out labels; the candidate goes live only if its action error is lower than the live
 * model's by at least {@code margin} (0: not worse), so a worse candidate never goes live.
 *
 * <p>Held-out labels are harvested frames, by design not what the fleet usually sees: a candidate
 * can do better on them and drive ordinary frames worse (seen in the demo: the common-scenario
 * error went from 0.12 to 0.32 in one promotion). So when a golden set is given — frames drawn
 * from the fleet at random, labeled once, never trained on — both models are measured on it too,
 * and a candidate whose action error there is more than {@code goldenTolerance} (relative) above
 * the live model's is rejected.
 *
 * <p>Scene accuracy is measured and reported but does not decide: the action is what the fleet
 * acts on. With fewer than {@code minHeldOut} held-out examples the held-out numbers are noise, so
 * the gate rejects the candidate and says so: it never judges on labels the candidate trained on.
 * {@link RetrainService} does not start a run until enough labels are held out, so this is a last guard.
 *
 * @param minHeldOut fewest held-out examples the gate trusts, at least 1
 * @param margin how much lower (absolute) the candidate's held-out action MAE must be than the live
 *     model's, in [0, 1); 0 promotes a candidate that is not worse
 * @param goldenTolerance how much larger, relative, the candidate's action MAE on the golden set
 *     may be than the live model's, ≥ 0
 */
public record EvaluationGate(int minHeldOut, double margin, double goldenTolerance) {

    /** Mean over examples of (|Δsteering| + |Δacceleration|) / 2. */
    public static final String ACTION_MAE = "action_mae";
    /** Share of examples whose most probable scene is the labeled one. */
    public static final String SCENE_ACCURACY = "scene_accuracy";
    /** How many examples the metrics were measured on. */
    public static final String EXAMPLES = "examples";
    /** {@link #ACTION_MAE} on the golden set. */
    public static final String GOLDEN_ACTION_MAE = "golden_action_mae";

    private static final Logger LOG = LoggerFactory.getLogger(EvaluationGate.class);
    private static final int BATCH = 64;

    public EvaluationGate {
        if (minHeldOut < 1) {
            throw new IllegalArgumentException("gate.min-held-out is " + minHeldOut + "; it must be at least 1");
        }
        if (!(margin >= 0 && margin < 1)) {
            throw new IllegalArgumentException("gate.margin is " + margin
                    + "; it must be in [0, 1), e.g. 0.005 for a held-out action MAE at least 0.005 lower");
        }
        if (!(goldenTolerance >= 0 && goldenTolerance < 10)) {
            throw new IllegalArgumentException("gate.golden-tolerance is " + goldenTolerance
                    + "; it must be in [0, 10), e.g. 0.05 for at most 5% worse on the golden set");
        }
    }

    /** At least 5 held-out examples, not worse on them (margin 0), at most 5% worse on the golden set. */
    public static EvaluationGate defaults() {
        return new EvaluationGate(5, 0, 0.05);
    }

    public EvaluationGate withMinHeldOut(int newMinHeldOut) {
        return new EvaluationGate(newMinHeldOut, margin, goldenTolerance);
    }

    public EvaluationGate withMargin(double newMargin) {
        return new EvaluationGate(minHeldOut, newMargin, goldenTolerance);
    }

    public EvaluationGate withGoldenTolerance(double newGoldenTolerance) {
        return new EvaluationGate(minHeldOut, margin, newGoldenTolerance);
    }

    /**
     * Measures both models on {@code heldOut} and decides. With fewer than {@link #minHeldOut()}
     * held-out examples whose images can be decoded, the candidate is rejected and the reason says
     * why: the training labels are never a substitute, since the candidate has learned them.
     */
    public GateDecision decide(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut) {
        return decide(live, candidate, heldOut, List.of());
    }

    /**
     * As {@link #decide(DrivingModel, DrivingModel, List)}; then, when the held-out labels let the
     * candidate through and {@code golden} is not empty, measures both on the golden set and
     * rejects a candidate more than {@link #goldenTolerance()} worse there.
     */
    public GateDecision decide(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut,
            List<LabeledExample> golden) {
        GateDecision onHeldOut = decideOnHeldOut(live, candidate, heldOut);
        if (!onHeldOut.promote() || golden.isEmpty()) {
            return onHeldOut;
        }
        double liveGolden = evaluate(live, golden).get(ACTION_MAE);
        double candidateGolden = evaluate(candidate, golden).get(ACTION_MAE);
        Map<String, Double> candidateMetrics = new LinkedHashMap<>(onHeldOut.candidateMetrics());
        candidateMetrics.put(GOLDEN_ACTION_MAE, candidateGolden);
        Map<String, Double> liveMetrics = new LinkedHashMap<>(onHeldOut.liveMetrics());
        liveMetrics.put(GOLDEN_ACTION_MAE, liveGolden);
        boolean promote = candidateGolden <= liveGolden * (1 + goldenTolerance);
        String reason = onHeldOut.reason() + String.format("; on the %d-frame golden set its action MAE %.4f %s"
                        + " the live model's %.4f (at most %.0f%% worse allowed)",
                golden.size(), candidateGolden, promote ? "is within" : "regresses from", liveGolden,
                100 * goldenTolerance);
        return new GateDecision(promote, candidateMetrics, liveMetrics, reason);
    }

    private GateDecision decideOnHeldOut(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut) {
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
        boolean promote = candidateMae <= liveMae - margin;
        String reason = String.format("candidate action MAE %.4f %s the live model's %.4f on %d held-out labels"
                        + " (scene accuracy %.3f vs %.3f)",
                candidateMae, verdict(candidateMae, liveMae, promote), liveMae, measured,
                candidateMetrics.get(SCENE_ACCURACY), liveMetrics.get(SCENE_ACCURACY));
        return new GateDecision(promote, candidateMetrics, liveMetrics, reason);
    }

    private String verdict(double candidateMae, double liveMae, boolean promote) {
        if (candidateMae > liveMae) {
            return "is worse than";
        }
        if (margin == 0) {
            return candidateMae < liveMae ? "beats" : "equals";
        }
        return String.format(Locale.ROOT, "beats by %s the margin %.4f", promote ? "at least" : "less than", margin);
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
