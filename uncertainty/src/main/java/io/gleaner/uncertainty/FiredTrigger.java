package io.gleaner.uncertainty;

import java.util.Objects;

/**
 * One reason a frame was worth a label: an acquisition function whose score reached its threshold.
 * The topology writes it out as a {@code gleaner.v1.Trigger}.
 *
 * @param name which function fired, one of the {@code SelectionPolicy} trigger names
 * @param score the function's score for the frame
 * @param threshold the score it had to reach
 */
public record FiredTrigger(String name, double score, double threshold) {
    public FiredTrigger {
        Objects.requireNonNull(name, "name");
    }
}
