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
 * @param modelVersion the model version that scored the frame
 * @param embedding the backbone embedding, L2-normalised (empty when the scorer sent none)
 * @param embeddingNovelty the stage's own k-nearest-neighbour novelty of the embedding, NaN until
 *     {@link NamedTriggers} computes it
 */
public record FrameOutputs(
        float[] sceneProbabilities,
        float predSteer,
        float predAccel,
        float humanSteer,
        float humanAccel,
        float steeringSpread,
        float accelerationSpread,
        float novelty,
        String modelVersion,
        float[] embedding,
        double embeddingNovelty) {

    /** Outputs without the stage's embedding novelty, which {@link NamedTriggers} adds. */
    public FrameOutputs(float[] sceneProbabilities, float predSteer, float predAccel, float humanSteer, float humanAccel,
            float steeringSpread, float accelerationSpread, float novelty, String modelVersion, float[] embedding) {
        this(sceneProbabilities, predSteer, predAccel, humanSteer, humanAccel, steeringSpread, accelerationSpread,
                novelty, modelVersion, embedding, Double.NaN);
    }

    /** These outputs with the stage's embedding novelty set. */
    public FrameOutputs withEmbeddingNovelty(double value) {
        return new FrameOutputs(sceneProbabilities, predSteer, predAccel, humanSteer, humanAccel, steeringSpread,
                accelerationSpread, novelty, modelVersion, embedding, value);
    }
}
