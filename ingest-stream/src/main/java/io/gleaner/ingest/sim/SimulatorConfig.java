package io.gleaner.ingest.sim;

import java.util.Objects;

/**
 * How the simulated fleet behaves.
 *
 * @param vehicles how many vehicles take turns sending frames ({@code sim.vehicles}, 1..1000)
 * @param width frame width in pixels ({@code sim.width}, 32..224)
 * @param height frame height in pixels ({@code sim.height}, 32..224)
 * @param encoding PNG (lossless) or JPEG ({@code sim.encoding})
 * @param jpegQuality JPEG quality, 0.05 (blocky) .. 1 (finest); unused for PNG ({@code sim.jpeg-quality})
 * @param seed everything the simulator does follows from it: same config, same bytes
 * @param rareRates probability per frame of each rare scenario ({@code sim.rare-rates})
 * @param humanErrorRate probability per frame that the human's action is a mistake
 *     ({@code sim.human-error-rate}, 0..1)
 */
public record SimulatorConfig(int vehicles, int width, int height, FrameEncoding encoding, double jpegQuality,
                              long seed, RareRates rareRates, double humanErrorRate) {
    /** The smallest frame side: below it a pedestrian is a couple of pixels. */
    public static final int MIN_SIDE = 32;
    /** The largest frame side, what image models commonly take. */
    public static final int MAX_SIDE = 224;

    public SimulatorConfig {
        requireRange(vehicles, 1, 1000, "sim.vehicles");
        requireRange(width, MIN_SIDE, MAX_SIDE, "sim.width");
        requireRange(height, MIN_SIDE, MAX_SIDE, "sim.height");
        Objects.requireNonNull(encoding, "sim.encoding");
        if (!(jpegQuality >= 0.05 && jpegQuality <= 1.0)) {
            throw new IllegalArgumentException("sim.jpeg-quality is " + jpegQuality + "; it must be within 0.05..1");
        }
        Objects.requireNonNull(rareRates, "sim.rare-rates");
        if (!(humanErrorRate >= 0.0 && humanErrorRate <= 1.0)) {
            throw new IllegalArgumentException(
                    "sim.human-error-rate is " + humanErrorRate + "; it must be a probability within 0..1");
        }
    }

    /** Four vehicles, 64x64 PNG frames, seed 42, about 2% rare scenes, 1% human errors. */
    public static SimulatorConfig defaults() {
        return new SimulatorConfig(4, 64, 64, FrameEncoding.PNG, 0.85, 42L, RareRates.defaults(), 0.01);
    }

    /** The probability per frame of any rare scene. */
    public double rareRate() {
        return rareRates.total();
    }

    public SimulatorConfig withVehicles(int newVehicles) {
        return new SimulatorConfig(newVehicles, width, height, encoding, jpegQuality, seed, rareRates, humanErrorRate);
    }

    /** Square frames of {@code side} pixels. */
    public SimulatorConfig withSize(int side) {
        return new SimulatorConfig(vehicles, side, side, encoding, jpegQuality, seed, rareRates, humanErrorRate);
    }

    public SimulatorConfig withEncoding(FrameEncoding newEncoding) {
        return new SimulatorConfig(vehicles, width, height, newEncoding, jpegQuality, seed, rareRates, humanErrorRate);
    }

    public SimulatorConfig withJpegQuality(double newQuality) {
        return new SimulatorConfig(vehicles, width, height, encoding, newQuality, seed, rareRates, humanErrorRate);
    }

    public SimulatorConfig withSeed(long newSeed) {
        return new SimulatorConfig(vehicles, width, height, encoding, jpegQuality, newSeed, rareRates, humanErrorRate);
    }

    /** {@code total} split evenly between the rare scenarios. */
    public SimulatorConfig withRareRate(double total) {
        return withRareRates(RareRates.evenly(total));
    }

    public SimulatorConfig withRareRates(RareRates newRates) {
        return new SimulatorConfig(vehicles, width, height, encoding, jpegQuality, seed, newRates, humanErrorRate);
    }

    public SimulatorConfig withHumanErrorRate(double newHumanErrorRate) {
        return new SimulatorConfig(vehicles, width, height, encoding, jpegQuality, seed, rareRates, newHumanErrorRate);
    }

    private static void requireRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be within " + min + ".." + max);
        }
    }
}
