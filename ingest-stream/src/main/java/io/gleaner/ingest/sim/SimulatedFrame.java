package io.gleaner.ingest.sim;

import io.gleaner.schema.v1.FrameEvent;
import java.util.Objects;

/**
 * One simulated frame: the event as the fleet sends it, and its truth, which travels separately.
 *
 * @param event the frame, exactly what goes to {@code frames.raw}
 * @param truth the scene and correct action, for the {@link TruthLog} only
 */
public record SimulatedFrame(FrameEvent event, Truth truth) {
    public SimulatedFrame {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(truth, "truth");
    }
}
