/**
 * A simulated vehicle fleet: forward-camera frames (PNG or JPEG, 32..224 px) of a bending road with
 * lateral drift, distant traffic, day/dusk/night and rain/fog, and rare scenes (a pedestrian
 * crossing, a stopped vehicle, construction cones, debris, low-sun glare), the human driver's noisy
 * and sometimes wrong action, and the correct action kept out of band in a
 * {@link io.gleaner.ingest.sim.TruthLog}.
 *
 * <p>{@link io.gleaner.ingest.sim.FleetSimulator} is deterministic for a seed, per vehicle;
 * {@link io.gleaner.ingest.sim.FramePublisher} sends its frames to {@code frames.raw}. Truth never
 * travels inside a {@code FrameEvent}, so no stage can learn from it by accident.
 */
package io.gleaner.ingest.sim;
