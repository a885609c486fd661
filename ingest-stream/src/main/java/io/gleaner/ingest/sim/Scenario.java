package io.gleaner.ingest.sim;

import java.util.Arrays;
import java.util.List;

/**
 * The scene a simulated frame shows. The declaration order is the scene-class order models use
 * ({@link #labels()}).
 */
public enum Scenario {
    /** An empty road: keep the lane, mild throttle. */
    CLEAR_ROAD("clear_road", false),
    /** A person on the road ahead: brake hard. */
    PEDESTRIAN_CROSSING("pedestrian_crossing", true),
    /** A stopped car in the ego lane ahead: brake and swerve to the free side. */
    STOPPED_VEHICLE("stopped_vehicle", true);

    private static final List<String> LABELS = Arrays.stream(values()).map(Scenario::label).toList();

    private final String label;
    private final boolean rare;

    Scenario(String label, boolean rare) {
        this.label = label;
        this.rare = rare;
    }

    /** The scene-class name, e.g. {@code pedestrian_crossing}. */
    public String label() {
        return label;
    }

    /** Whether this is one of the rare scenes the active-learning loop should find. */
    public boolean isRare() {
        return rare;
    }

    /** Every scene-class name, in declaration order. */
    public static List<String> labels() {
        return LABELS;
    }

    /** The scenario with this {@link #label()}. */
    public static Scenario fromLabel(String label) {
        for (Scenario scenario : values()) {
            if (scenario.label.equals(label)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + label + "'; known: " + LABELS);
    }
}
