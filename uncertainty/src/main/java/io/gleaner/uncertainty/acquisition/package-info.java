/**
 * Acquisition functions: how much a frame, or a batch of frames, would teach the model if a
 * human labeled it.
 *
 * <p>Pure arithmetic on the float arrays the scorer produces, with no I/O and no framework types,
 * so every test checks numbers worked out by hand. One class per kind of input:
 * {@link io.gleaner.uncertainty.acquisition.ClassProbabilities} (one softmax),
 * {@link io.gleaner.uncertainty.acquisition.PosteriorSamples} (T sampled softmaxes, from dropout
 * or heads), {@link io.gleaner.uncertainty.acquisition.ActionHead} (the regressed driving action),
 * {@link io.gleaner.uncertainty.acquisition.EmbeddingNovelty} (distance to what was seen) and
 * {@link io.gleaner.uncertainty.acquisition.BatchDiversity} (choosing a diverse batch). Every
 * function rejects null, empty, NaN or infinite input with an {@link IllegalArgumentException}
 * naming the function, the argument and what to do, because a NaN that slipped through would make
 * every later comparison false and silently harvest nothing.
 */
package io.gleaner.uncertainty.acquisition;
