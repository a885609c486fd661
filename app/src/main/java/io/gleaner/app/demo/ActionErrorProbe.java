package io.gleaner.app.demo;

import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a model's driving-action error against the simulator's truth, on a fixed evaluation
 * set with as many frames of every scenario. Benchmark-side code: it reads truth, which no
 * engine stage may.
 */
public final class ActionErrorProbe {
    private final List<SimulatedFrame> rare = new ArrayList<>();
    private final List<SimulatedFrame> common = new ArrayList<>();

    /**
     * Renders {@code perScenario} frames of each scenario with {@code simulator}, the scenarios
     * interleaved: a vehicle's road, light and weather drift from frame to frame, so rendering one
     * scenario after the other would give each its own stretch of road and time of day.
     */
    public ActionErrorProbe(FleetSimulator simulator, int perScenario) {
        for (int i = 0; i < perScenario; i++) {
            for (Scenario scenario : Scenario.values()) {
                (scenario.isRare() ? rare : common).add(simulator.render(scenario));
            }
        }
    }

    /** Mean absolute action error, (|Δsteering| + |Δacceleration|) / 2, on rare and on common frames. */
    public ActionError measure(DrivingModel model) {
        return new ActionError(meanError(model, rare), meanError(model, common));
    }

    private static double meanError(DrivingModel model, List<SimulatedFrame> frames) {
        List<float[]> inputs = new ArrayList<>(frames.size());
        for (SimulatedFrame frame : frames) {
            inputs.add(model.preprocess(frame.event().getImage()));
        }
        List<Prediction> predictions = model.predict(inputs);
        double sum = 0;
        for (int i = 0; i < frames.size(); i++) {
            Prediction p = predictions.get(i);
            var truth = frames.get(i).truth();
            sum += (Math.abs(p.steering() - truth.steering()) + Math.abs(p.acceleration() - truth.acceleration())) / 2;
        }
        return sum / frames.size();
    }

    /** Mean absolute action error on rare-scenario and on common frames. */
    public record ActionError(double rare, double common) {}
}
