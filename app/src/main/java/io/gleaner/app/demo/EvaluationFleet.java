package io.gleaner.app.demo;

import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated fleet that evaluation frames come from (the gate's golden set, the action-error
 * probe): the loop's fleet settings with {@link #VEHICLES} vehicles, so the frames show many
 * conditions, not a few.
 *
 * <p>A simulated vehicle keeps its light and weather for hundreds of frames (the simulator changes
 * them on about 0.3% of frames), so frames of the default 4 vehicles show about 4 conditions, and an
 * error measured on them says more about those 4 than about the fleet. Measured on the models of a
 * {@code bench loop} run, where the gate promoted a candidate: on clear-road frames the 400-frame
 * golden set of 4 vehicles saw it 1% better than the live model, the 4-vehicle error probe 77%
 * worse, and 1,239 clear-road frames of 64 vehicles (every 7th frame) 22% worse. The gate let it
 * through, and the benchmark's common-scenario error jumped.
 */
public final class EvaluationFleet {
    /** Vehicles of the evaluation fleet. */
    public static final int VEHICLES = 64;
    /** A golden sample takes every this many frames, so each vehicle's frames spread over its drive. */
    static final int STRIDE = 7;

    private EvaluationFleet() {}

    /** A simulator of the evaluation fleet: {@code fleet}'s settings, {@link #VEHICLES} vehicles, {@code seed}. */
    static FleetSimulator simulator(SimulatorConfig fleet, long seed) {
        return new FleetSimulator(fleet.withSeed(seed).withVehicles(VEHICLES));
    }

    /** {@code count} frames of the evaluation fleet at its rare rates, every {@link #STRIDE}th frame. */
    static List<SimulatedFrame> sample(SimulatorConfig fleet, long seed, int count) {
        FleetSimulator simulator = simulator(fleet, seed);
        List<SimulatedFrame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            frames.add(simulator.next(STRIDE).get(STRIDE - 1));
        }
        return frames;
    }
}
