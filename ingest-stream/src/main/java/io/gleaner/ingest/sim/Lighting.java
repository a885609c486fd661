package io.gleaner.ingest.sim;

/** The time of day a frame is taken at; it sets the brightness, the tint and the sensor noise. */
public enum Lighting {
    DAY,
    DUSK,
    NIGHT
}
