package io.gleaner.scorer.model;

/**
 * What a model made of one frame.
 *
 * @param sceneProbabilities softmax over the model's scene classes, in their order (sums to 1)
 * @param steering predicted steering, -1 (left) .. +1 (right)
 * @param acceleration predicted acceleration, -1 (full brake) .. +1 (full throttle)
 * @param embedding backbone embedding, L2-normalised
 */
public record Prediction(float[] sceneProbabilities, float steering, float acceleration, float[] embedding) {}
