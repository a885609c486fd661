package io.gleaner.queue.feedback;

import io.gleaner.queue.FinalLabel;
import io.gleaner.queue.Label;
import java.util.Map;
import java.util.Objects;

/**
 * When a final label shows the model wrong on a frame: the label's scene class is not the model's
 * most probable one (ties go to the class name first in alphabetical order), or its steering or
 * its acceleration differs from the model's predicted one by more than that part's tolerance
 * ({@code |label − predicted| > tolerance}, both as stored, in single precision). A model that gave
 * no scene probabilities is judged on the action alone.
 *
 * <p>The same rule, with the same default tolerances, as the team view's harvest precision by
 * trigger ({@code TeamReport}), so that the bandit learns from what the team sees.
 *
 * @param steeringTolerance largest steering difference that is not an error, 0 .. 2
 * @param accelerationTolerance largest acceleration difference that is not an error, 0 .. 2
 */
public record ModelErrorRule(float steeringTolerance, float accelerationTolerance) {
    public ModelErrorRule {
        requireTolerance("steering", steeringTolerance);
        requireTolerance("acceleration", accelerationTolerance);
    }

    /** Tolerance 0.1 on both action parts, as the team view's default. */
    public static ModelErrorRule defaults() {
        return new ModelErrorRule(0.1f, 0.1f);
    }

    /** Whether {@code label} shows the model wrong, by the rule above. */
    public boolean erred(FinalLabel label) {
        Objects.requireNonNull(label, "label");
        Label truth = label.label();
        String predicted = mostProbableScene(label.sceneProbabilities());
        boolean sceneWrong = predicted != null && !predicted.equals(truth.scene());
        return sceneWrong
                || Math.abs(truth.steering() - label.predictedSteering()) > steeringTolerance
                || Math.abs(truth.acceleration() - label.predictedAcceleration()) > accelerationTolerance;
    }

    /**
     * The class with the highest probability, the alphabetically first among equals; {@code null}
     * for no classes.
     */
    static String mostProbableScene(Map<String, Double> probabilities) {
        String best = null;
        double bestProbability = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> entry : probabilities.entrySet()) {
            double probability = entry.getValue();
            if (probability > bestProbability
                    || (probability == bestProbability && entry.getKey().compareTo(best) < 0)) {
                best = entry.getKey();
                bestProbability = probability;
            }
        }
        return best;
    }

    private static void requireTolerance(String part, float tolerance) {
        if (!Float.isFinite(tolerance) || tolerance < 0f || tolerance > 2f) {
            throw new IllegalArgumentException("feedback " + part + " tolerance is " + tolerance
                    + "; it must be in 0 .. 2 (the action range is -1 .. 1), e.g. 0.1");
        }
    }
}
