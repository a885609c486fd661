package io.gleaner.uncertainty;

import java.util.List;

/**
 * What {@link SelectionPolicy} made of one frame.
 *
 * @param entropy normalized scene entropy, in [0, 1]
 * @param actionDisagreement predicted vs human action distance, in [0, 1]
 * @param score the combined score; also the edge case's priority
 * @param windowThreshold the score the frame had to reach, or NaN while the window held fewer
 *     than {@code minWindow} scores
 * @param harvested whether the frame becomes an edge case
 * @param triggers the functions that fired, and the {@code combined} trigger when harvested
 */
public record Selection(
        double entropy,
        double actionDisagreement,
        double score,
        double windowThreshold,
        boolean harvested,
        List<FiredTrigger> triggers) {
    public Selection {
        triggers = List.copyOf(triggers);
    }

    /** Labeling priority: higher is labeled first. Equal to {@link #score()}. */
    public double priority() {
        return score;
    }
}
