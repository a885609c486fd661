package io.gleaner.queue;

/**
 * An acquisition function that fired for a frame: why the frame was harvested.
 *
 * @param name the trigger, e.g. {@code action_disagreement}
 * @param score its score for the frame
 * @param threshold the threshold the score passed
 */
public record FiredTrigger(String name, double score, double threshold) {}
