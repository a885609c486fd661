package io.gleaner.ingest.source;

import io.gleaner.schema.v1.FrameEvent;
import java.util.Objects;

/**
 * A frame and the class label that must travel out of band, never inside the {@code FrameEvent}.
 *
 * @param event the frame as it goes to {@code frames.raw}
 * @param classIndex the label's index in {@link FashionMnistSource#CLASS_NAMES}
 * @param label the class name
 */
public record LabeledFrame(FrameEvent event, int classIndex, String label) {
    public LabeledFrame {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(label, "label");
    }
}
