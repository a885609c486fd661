package io.gleaner.uncertainty;

/**
 * What the scorer said about one frame, and what the human did, as plain numbers: the input of
 * every {@link TriggerFunction}. Kept free of protobuf types so that trigger logic is tested with
 * numbers alone; the selection stage builds it from a {@code ScoredFrame} it has already checked.
 *
 * @param sceneProbabilities the scene softmax
 * @param predSteer the model's steering
 * @param predAccel the model's acceleration
 * @param humanSteer the driver's steering
 * @param humanAccel the driver's acceleration
 * @param steeringSpread the predicted standard deviation of steering (0 when the scorer has one head)
 * @param accelerationSpread the predicted standard deviation of acceleration
 * @param novelty the scorer's distance from the embedding to what the model has seen (0 when not computed)
 */
public record FrameOutputs(
        float[] sceneProbabilities,
        float predSteer,
        float predAccel,
        float humanSteer,
        float humanAccel,
        float steeringSpread,
        float accelerationSpread,
        float novelty) {}
