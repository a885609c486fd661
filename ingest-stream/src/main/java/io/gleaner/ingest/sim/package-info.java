/**
 * A simulated vehicle fleet: forward-camera frames of a road with rare scenes (a pedestrian
 * crossing, a stopped vehicle), the human driver's noisy and sometimes wrong action, and the
 * correct action kept out of band in a {@link io.gleaner.ingest.sim.TruthLog}.
 *
 * <p>{@link io.gleaner.ingest.sim.FleetSimulator} is deterministic for a seed;
 * {@link io.gleaner.ingest.sim.FramePublisher} sends its frames to {@code frames.raw}. Truth never
 * travels inside a {@code FrameEvent}, so no stage can learn from it by accident.
 */
package io.gleaner.ingest.sim;
