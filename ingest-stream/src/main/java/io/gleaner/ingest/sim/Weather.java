package io.gleaner.ingest.sim;

/** The weather a frame is taken in: rain streaks and darkens the view, fog fades the distance. */
public enum Weather {
    CLEAR,
    RAIN,
    FOG
}
