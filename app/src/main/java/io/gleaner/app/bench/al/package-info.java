/**
 * {@code gleaner bench al}: active-learning benchmarks that measure the engine's own acquisition
 * functions ({@code io.gleaner.uncertainty}) against random selection. {@code pool} runs the
 * pool-based protocol of Gal, Islam &amp; Ghahramani (2017) on Fashion-MNIST with a small
 * MC-dropout classifier that lives here because only the benchmark needs it; {@code stream} scores
 * a fleet-simulator stream offline with the demo's seed model and runs the named triggers on it.
 */
package io.gleaner.app.bench.al;
