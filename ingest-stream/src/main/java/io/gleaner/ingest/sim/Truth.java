package io.gleaner.ingest.sim;

import java.util.Objects;

/**
 * What a simulated frame really shows and the correct action for it, kept out of band (never in
 * the {@code FrameEvent}), so evaluations can score models and labelers against it.
 *
 * @param frameId the frame this describes
 * @param scenario the scene actually rendered
 * @param steering the correct steering, -1 (left) .. +1 (right)
 * @param acceleration the correct acceleration, -1 (full brake) .. +1 (full throttle)
 * @param humanErred whether the human action sent with the frame was a mistake (not just noise)
 */
public record Truth(String frameId, Scenario scenario, float steering, float acceleration, boolean humanErred) {
    public Truth {
        Objects.requireNonNull(frameId, "frameId");
        Objects.requireNonNull(scenario, "scenario");
    }
}
