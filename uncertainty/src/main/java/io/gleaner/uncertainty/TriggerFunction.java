package io.gleaner.uncertainty;

import io.gleaner.uncertainty.acquisition.ActionHead;
import io.gleaner.uncertainty.acquisition.ClassProbabilities;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The acquisition functions a named trigger can use: those computable from what a scored frame
 * carries today. Each scores so that <i>higher is more worth a label</i>, which is what a trigger
 * rule compares. A function may have no score for a frame (NaN, e.g. embedding novelty for a frame
 * without an embedding): its trigger then skips that frame. Functions over dropout samples or batches (BALD, variation ratio, k-center) live
 * in {@link io.gleaner.uncertainty.acquisition} and join this list once the scorer sends samples.
 */
public enum TriggerFunction {
    /** {@link ClassProbabilities#normalizedEntropy}, in [0, 1]. */
    ENTROPY("entropy") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return ClassProbabilities.normalizedEntropy(frame.sceneProbabilities());
        }
    },
    /** {@link ClassProbabilities#leastConfidence}, in [0, 1). */
    LEAST_CONFIDENCE("least-confidence") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return ClassProbabilities.leastConfidence(frame.sceneProbabilities());
        }
    },
    /** {@code 1 − }{@link ClassProbabilities#margin}, so that a small margin scores high; in [0, 1]. */
    MARGIN("margin") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return 1.0 - ClassProbabilities.margin(frame.sceneProbabilities());
        }
    },
    /** {@link ActionHead#disagreement}: predicted vs human action distance, in [0, 1]. */
    ACTION_DISAGREEMENT("action-disagreement") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return ActionHead.disagreement(frame.predSteer(), frame.predAccel(), frame.humanSteer(), frame.humanAccel());
        }
    },
    /** {@link ActionHead#surprise}: the human's action as a z-score of the predicted spread, floored. */
    ACTION_SURPRISE("action-surprise") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return ActionHead.surprise(frame.predSteer(), frame.predAccel(), frame.humanSteer(), frame.humanAccel(),
                    frame.steeringSpread(), frame.accelerationSpread(), spreadFloor);
        }
    },
    /**
     * The action head's predicted variance, {@code σs² + σa²} (the trace of its covariance), from
     * the spreads the scorer sends: high where heads or dropout samples disagree.
     */
    ACTION_SPREAD("action-spread") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            double s = frame.steeringSpread();
            double a = frame.accelerationSpread();
            return s * s + a * a;
        }
    },
    /** The scorer's own novelty distance, as sent. */
    NOVELTY("novelty") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return frame.novelty();
        }
    },
    /**
     * The stage's own novelty: the cosine distance from the frame's embedding to its
     * {@value NamedTriggers#NOVELTY_NEIGHBOUR}-th nearest among the last
     * {@value NamedTriggers#NOVELTY_REFERENCE_FRAMES} embeddings the task saw from the same model
     * version ({@link io.gleaner.uncertainty.acquisition.EmbeddingNovelty}). No score for a frame
     * without an L2-normalised embedding, or while the reference set is empty.
     */
    EMBEDDING_NOVELTY("embedding-novelty") {
        @Override
        double score(FrameOutputs frame, double spreadFloor) {
            return frame.embeddingNovelty();
        }
    };

    private final String configName;

    TriggerFunction(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration, e.g. {@code action-surprise}. */
    public String configName() {
        return configName;
    }

    /**
     * This function's score of one frame; higher is more worth a label.
     *
     * @param spreadFloor the smallest spread {@link #ACTION_SURPRISE} divides by
     * @throws IllegalArgumentException if the frame's outputs are not valid input (see the acquisition functions)
     */
    abstract double score(FrameOutputs frame, double spreadFloor);

    /**
     * The function with this configuration name.
     *
     * @throws IllegalArgumentException naming the known functions if there is none
     */
    public static TriggerFunction byName(String name) {
        for (TriggerFunction function : values()) {
            if (function.configName.equals(name)) {
                return function;
            }
        }
        throw new IllegalArgumentException("unknown acquisition function '" + name + "'; use one of "
                + Arrays.stream(values()).map(TriggerFunction::configName).collect(Collectors.joining(", ")));
    }
}
