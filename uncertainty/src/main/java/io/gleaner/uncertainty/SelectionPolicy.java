package io.gleaner.uncertainty;

import io.gleaner.uncertainty.acquisition.ActionHead;
import io.gleaner.uncertainty.acquisition.ClassProbabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides, frame by frame, which scored frames become edge cases. Pure: no I/O and no Kafka
 * types, so a test can feed it numbers and check the decisions exactly.
 *
 * <p>Each frame's combined score is {@code entropyWeight·normalizedEntropy +
 * actionWeight·actionDisagreement}. The score is added to the rolling {@link ScoreWindow} first,
 * so the window includes the current frame. Once the window holds at least {@code minWindow}
 * scores, the frame is harvested when its score is at or above
 * {@link ScoreWindow#topShareThreshold(double) the top-keepFraction threshold} of the window; over
 * a stationary stream that keeps about {@code keepFraction} of the frames, and after a quiet
 * stretch a sudden spike is kept.
 *
 * <p>Ties at the threshold are thinned so that a run of equal scores cannot harvest everything.
 * Let {@code n} be the held scores, {@code m = max(1, ⌈keepFraction·n⌉)} the top-share count,
 * {@code t} the threshold (the {@code m}-th largest), {@code above} the held scores {@code > t} and
 * {@code ties} those {@code == t} (the current frame included). A frame scoring above {@code t} is
 * harvested. A frame scoring exactly {@code t} is harvested when {@code above + ties <= m} (no
 * excess ties: the plain rule); otherwise only {@code allowed = m − above} of every {@code ties}
 * such frames are, spread evenly by the frame's sequence number {@code k} (=
 * {@link ScoreWindow#added()} after adding it): harvested when
 * {@code ⌈k·allowed/ties⌉ > ⌈(k−1)·allowed/ties⌉}, in exact integer arithmetic. A stream of
 * identical scores therefore keeps its first frame, nothing more while the window fills (there
 * {@code ties = k}), and then exactly {@code m} of every {@code n} frames, about
 * {@code keepFraction}. The rule reads only the window and {@code k}, both persisted, so a
 * restarted task decides the same way.
 *
 * <p>A harvested frame carries one {@link FiredTrigger} per acquisition function whose score
 * reached its own threshold ({@value #SCENE_ENTROPY}, {@value #ACTION_DISAGREEMENT}) and always a
 * {@value #COMBINED} trigger with the window threshold. Not thread-safe: one instance per window
 * owner (one per stream task).
 */
public final class SelectionPolicy {
    /** Trigger name: the normalized scene entropy reached {@code entropyThreshold}. */
    public static final String SCENE_ENTROPY = "scene-entropy";
    /** Trigger name: the action disagreement reached {@code actionThreshold}. */
    public static final String ACTION_DISAGREEMENT = "action-disagreement";
    /** Trigger name: the combined score reached the window's top-keepFraction threshold. */
    public static final String COMBINED = "combined";

    private final SelectionConfig config;
    private final ScoreWindow window;

    /** A policy starting from an empty window of {@code config.windowSize()} scores. */
    public SelectionPolicy(SelectionConfig config) {
        this(config, new ScoreWindow(Objects.requireNonNull(config, "config").windowSize()));
    }

    /**
     * A policy continuing from an existing window, e.g. one restored from a state store.
     *
     * @throws IllegalArgumentException if the window's capacity is not {@code config.windowSize()}
     */
    public SelectionPolicy(SelectionConfig config, ScoreWindow window) {
        this.config = Objects.requireNonNull(config, "config");
        this.window = Objects.requireNonNull(window, "window");
        if (window.capacity() != config.windowSize()) {
            throw new IllegalArgumentException("score window holds " + window.capacity()
                    + " scores but selection.window-size is " + config.windowSize()
                    + "; resize it with ScoreWindow.resized(windowSize)");
        }
    }

    /** The window this policy adds to; its owner persists it. */
    public ScoreWindow window() {
        return window;
    }

    /** The configuration this policy applies. */
    public SelectionConfig config() {
        return config;
    }

    /**
     * Scores one frame from the scorer's outputs and decides whether to harvest it.
     *
     * @param sceneProbabilities the scene softmax
     * @throws IllegalArgumentException if an input is empty, NaN or infinite (see {@link ClassProbabilities#normalizedEntropy}
     *     and {@link ActionHead#disagreement})
     */
    public Selection select(float[] sceneProbabilities, float predSteer, float predAccel, float humanSteer, float humanAccel) {
        double entropy = ClassProbabilities.normalizedEntropy(sceneProbabilities);
        double disagreement = ActionHead.disagreement(predSteer, predAccel, humanSteer, humanAccel);
        return select(entropy, disagreement);
    }

    /**
     * Decides on one frame whose acquisition scores are already computed.
     *
     * @param entropy normalized scene entropy, in [0, 1]
     * @param actionDisagreement action disagreement, in [0, 1]
     * @throws IllegalArgumentException if either score is outside [0, 1] or NaN
     */
    public Selection select(double entropy, double actionDisagreement) {
        checkUnit(entropy, "entropy");
        checkUnit(actionDisagreement, "actionDisagreement");
        double score = combinedScore(entropy, actionDisagreement);
        window.add(score);
        if (window.size() < config.minWindow()) {
            return new Selection(entropy, actionDisagreement, score, Double.NaN, false, List.of());
        }
        double threshold = window.topShareThreshold(config.keepFraction());
        boolean harvested = score > threshold || (score == threshold && harvestTie(threshold));
        List<FiredTrigger> triggers = new ArrayList<>(3);
        if (entropy >= config.entropyThreshold()) {
            triggers.add(new FiredTrigger(SCENE_ENTROPY, entropy, config.entropyThreshold()));
        }
        if (actionDisagreement >= config.actionThreshold()) {
            triggers.add(new FiredTrigger(ACTION_DISAGREEMENT, actionDisagreement, config.actionThreshold()));
        }
        if (harvested) {
            triggers.add(new FiredTrigger(COMBINED, score, threshold));
        }
        return new Selection(entropy, actionDisagreement, score, threshold, harvested, triggers);
    }

    /** Whether the frame just added, which scored exactly {@code threshold}, is kept (see the class doc). */
    private boolean harvestTie(double threshold) {
        int n = window.size();
        int m = ScoreWindow.topShareCount(config.keepFraction(), n);
        int above = window.countAbove(threshold);
        int ties = window.countEqual(threshold);
        if (above + ties <= m) {
            return true;
        }
        long allowed = m - above;
        long k = window.added();
        return ceilDiv(k * allowed, ties) > ceilDiv((k - 1) * allowed, ties);
    }

    /** {@code ⌈x / y⌉} for {@code x >= 0, y > 0} (Java 17 has no {@code Math.ceilDiv}). */
    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    /** {@code entropyWeight·entropy + actionWeight·actionDisagreement}. */
    public double combinedScore(double entropy, double actionDisagreement) {
        return config.entropyWeight() * entropy + config.actionWeight() * actionDisagreement;
    }

    private static void checkUnit(double value, String name) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " is " + value + "; acquisition scores must be in [0, 1]");
        }
    }
}
