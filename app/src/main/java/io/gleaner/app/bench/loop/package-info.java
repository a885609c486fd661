/**
 * {@code gleaner bench loop}: the closed-loop benchmark. The whole loop ({@link io.gleaner.app.demo.GleanerLoop}:
 * stream, harvest, label, retrain, swap) runs twice on fresh embedded brokers and databases, once
 * harvesting with the engine's triggers and once at random with the same labels per round, and the
 * two arms' action errors on rare and common scenarios are compared round by round.
 */
package io.gleaner.app.bench.loop;
