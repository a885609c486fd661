package io.gleaner.ingest.sim;

import java.util.Arrays;
import java.util.List;

/**
 * The scene a simulated frame shows. The declaration order is the scene-class order models use
 * ({@link #labels()}); new scenes go at the end so older models keep their class indices.
 */
public enum Scenario {
    /** An empty road (perhaps with distant traffic in other lanes): keep the lane, mild throttle. */
    CLEAR_ROAD("clear_road", false, false),
    /** A person on the road ahead: brake hard. */
    PEDESTRIAN_CROSSING("pedestrian_crossing", true, true),
    /** A stopped car in the ego lane ahead: brake and swerve to the free side. */
    STOPPED_VEHICLE("stopped_vehicle", true, true),
    /** Cones that shift the lane sideways: steer to follow the shifted lane and slow down. */
    CONSTRUCTION_CONES("construction_cones", true, true),
    /** An object lying on the road: slow down and swerve a little around it. */
    DEBRIS("debris", true, true),
    /** A low sun washing out the sky: looks novel, but the right action is the clear-road one. */
    LOW_SUN_GLARE("low_sun_glare", true, false);

    private static final List<String> LABELS = Arrays.stream(values()).map(Scenario::label).toList();
    private static final List<Scenario> RARE = Arrays.stream(values()).filter(Scenario::isRare).toList();

    private final String label;
    private final boolean rare;
    private final boolean dangerous;

    Scenario(String label, boolean rare, boolean dangerous) {
        this.label = label;
        this.rare = rare;
        this.dangerous = dangerous;
    }

    /** The scene-class name, e.g. {@code pedestrian_crossing}. */
    public String label() {
        return label;
    }

    /** Whether this is one of the rare scenes the active-learning loop should find. */
    public boolean isRare() {
        return rare;
    }

    /**
     * Whether the correct action differs from the clear-road one (brake, swerve, slow down). Low-sun
     * glare is rare but not dangerous: it is visually novel and needs no change of action.
     */
    public boolean isDangerous() {
        return dangerous;
    }

    /** Every scene-class name, in declaration order. */
    public static List<String> labels() {
        return LABELS;
    }

    /** The rare scenarios, in declaration order. */
    public static List<Scenario> rareScenarios() {
        return RARE;
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
