package io.gleaner.ingest.sim;

/**
 * How the simulated fleet behaves.
 *
 * @param vehicles how many vehicles take turns sending frames ({@code sim.vehicles}, 1..1000)
 * @param width frame width in pixels ({@code sim.width}, 16..1024)
 * @param height frame height in pixels ({@code sim.height}, 16..1024)
 * @param seed everything the simulator does follows from it: same config, same bytes
 * @param rareRate probability per frame of a rare scene, split evenly between the rare scenarios
 *     ({@code sim.rare-rate}, 0..1)
 * @param humanErrorRate probability per frame that the human's action is a mistake
 *     ({@code sim.human-error-rate}, 0..1)
 */
public record SimulatorConfig(int vehicles, int width, int height, long seed, double rareRate, double humanErrorRate) {

    public SimulatorConfig {
        requireRange(vehicles, 1, 1000, "sim.vehicles");
        requireRange(width, 16, 1024, "sim.width");
        requireRange(height, 16, 1024, "sim.height");
        requireProbability(rareRate, "sim.rare-rate");
        requireProbability(humanErrorRate, "sim.human-error-rate");
    }

    /** Four vehicles, 64x64 frames, seed 42, 4% rare scenes, 1% human errors. */
    public static SimulatorConfig defaults() {
        return new SimulatorConfig(4, 64, 64, 42L, 0.04, 0.01);
    }

    public SimulatorConfig withSeed(long newSeed) {
        return new SimulatorConfig(vehicles, width, height, newSeed, rareRate, humanErrorRate);
    }

    public SimulatorConfig withRareRate(double newRareRate) {
        return new SimulatorConfig(vehicles, width, height, seed, newRareRate, humanErrorRate);
    }

    public SimulatorConfig withHumanErrorRate(double newHumanErrorRate) {
        return new SimulatorConfig(vehicles, width, height, seed, rareRate, newHumanErrorRate);
    }

    private static void requireRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be within " + min + ".." + max);
        }
    }

    private static void requireProbability(double value, String name) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be a probability within 0..1");
        }
    }
}
