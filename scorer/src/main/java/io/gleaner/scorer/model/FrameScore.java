package io.gleaner.scorer.model;

import java.util.Optional;

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
        float[] embedding, float novelty) {

    /**
     * Names the first output that is NaN or infinite ({@code "steering"}, {@code "embedding[7]"},
     * {@code "sampleProbabilities[2][0]"}, ...), empty when every output is finite. A frame with such
     * an output must not be published: every score downstream (entropy, disagreement, priority) would
     * turn NaN with it.
     */
    public Optional<String> nonFiniteOutput() {
        Optional<String> found = firstNonFinite("sceneProbabilities", sceneProbabilities);
        if (found.isEmpty() && !Float.isFinite(steering)) {
            found = Optional.of("steering = " + steering);
        }
        if (found.isEmpty() && !Float.isFinite(acceleration)) {
            found = Optional.of("acceleration = " + acceleration);
        }
        if (found.isEmpty() && !Float.isFinite(steeringSpread)) {
            found = Optional.of("steeringSpread = " + steeringSpread);
        }
        if (found.isEmpty() && !Float.isFinite(accelerationSpread)) {
            found = Optional.of("accelerationSpread = " + accelerationSpread);
        }
        for (int k = 0; found.isEmpty() && k < sampleProbabilities.length; k++) {
            found = firstNonFinite("sampleProbabilities[" + k + "]", sampleProbabilities[k]);
        }
        if (found.isEmpty()) {
            found = firstNonFinite("sampleSteering", sampleSteering);
        }
        if (found.isEmpty()) {
            found = firstNonFinite("sampleAcceleration", sampleAcceleration);
        }
        if (found.isEmpty()) {
            found = firstNonFinite("embedding", embedding);
        }
        if (found.isEmpty() && !Float.isFinite(novelty)) {
            found = Optional.of("novelty = " + novelty);
        }
        return found;
    }

    private static Optional<String> firstNonFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return Optional.of(name + "[" + i + "] = " + values[i]);
            }
        }
        return Optional.empty();
    }
}
