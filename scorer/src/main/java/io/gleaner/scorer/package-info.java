/**
 * The scorer stage: {@link io.gleaner.scorer.ScorerTopology} reads {@code frames.valid}, buffers
 * frames in a changelogged state store, scores them in batches with the model version that
 * {@code model-updates} names, and writes {@code frames.scored}. {@link io.gleaner.scorer.ModelHolder}
 * shares that model between stream tasks and swaps it between batches.
 */
package io.gleaner.scorer;
