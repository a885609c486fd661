package io.gleaner.scorer.model;

/**
 * What a {@link BatchPredictor} made of one frame.
 *
 * @param sceneProbabilities softmax over the model's scene classes (the pass without dropout)
 * @param steering predicted steering, -1 .. +1 (the pass without dropout)
 * @param acceleration predicted acceleration, -1 .. +1 (the pass without dropout)
 * @param steeringSpread standard deviation of steering over the dropout samples, 0 without samples
 * @param accelerationSpread standard deviation of acceleration over the dropout samples, 0 without samples
 * @param sampleProbabilities per dropout sample, its scene softmax ({@code [sample][class]}); empty without samples
 * @param sampleSteering per dropout sample, its steering
 * @param sampleAcceleration per dropout sample, its acceleration
 * @param embedding backbone embedding, L2-normalised
 * @param novelty mean cosine distance to the nearest embeddings of the reference bank, in [0, 2];
 *     0 while the bank is empty (not computed)
 */
public record FrameScore(float[] sceneProbabilities, float steering, float acceleration, float steeringSpread,
        float accelerationSpread, float[][] sampleProbabilities, float[] sampleSteering, float[] sampleAcceleration,
        float[] embedding, float novelty) {}
