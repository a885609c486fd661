package io.gleaner.ingest.sim;

import com.google.protobuf.ByteString;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A simulated fleet of vehicles that take turns sending forward-camera frames.
 *
 * <p>Each vehicle drives a road whose curvature drifts smoothly (a mean-reverting random walk), so
 * the correct steering is a clear function of the visible bend: {@code clamp(1.6 * curvature - 0.4
 * * lateralOffset)}. On a clear road the correct acceleration is {@code 0.2 - 0.45 * |curvature|}
 * (slower in sharp bends). Rare scenes appear with probability {@code rareRate}, split evenly: a
 * pedestrian on the road (brake: -0.9) or a stopped car in the lane (swerve 0.5 toward the free
 * side, acceleration -0.4). The human action is the correct one through a per-driver gain and bias
 * plus Gaussian noise (sigma 0.04); with probability {@code humanErrorRate} it is a mistake instead
 * (late braking for a pedestrian, a swerve the wrong way), which {@link Truth#humanErred()} records.
 *
 * <p>Deterministic: the same {@link SimulatorConfig} gives byte-identical frames and truth, in the
 * same order. Not thread-safe; one caller drives it.
 */
public final class FleetSimulator {
    /** Camera name written on every frame. */
    public static final String CAMERA = "front";

    private static final long EPOCH_BASE_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final long FRAME_INTERVAL_MS = 100;
    private static final double HUMAN_NOISE_SIGMA = 0.04;
    private static final double SWERVE = 0.5;
    private static final float PEDESTRIAN_BRAKE = -0.9f;
    private static final float STOPPED_VEHICLE_BRAKE = -0.4f;
    private static final float LATE_BRAKE_ACCELERATION = 0.1f;

    private final SimulatorConfig config;
    private final Random random;
    private final SceneRenderer renderer;
    private final List<Vehicle> vehicles;
    private final long epochMs;
    private long framesMade;

    public FleetSimulator(SimulatorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = new Random(config.seed());
        this.renderer = new SceneRenderer(config.width(), config.height());
        this.epochMs = EPOCH_BASE_MS + Math.floorMod(config.seed(), 1_000_000L) * 1000L;
        this.vehicles = new ArrayList<>(config.vehicles());
        for (int i = 0; i < config.vehicles(); i++) {
            vehicles.add(new Vehicle(String.format("vehicle-%02d", i), random));
        }
    }

    /** The next frame of the next vehicle, its scene drawn with the configured rare rate. */
    public SimulatedFrame next() {
        double draw = random.nextDouble();
        Scenario scenario;
        if (draw < config.rareRate() / 2) {
            scenario = Scenario.PEDESTRIAN_CROSSING;
        } else if (draw < config.rareRate()) {
            scenario = Scenario.STOPPED_VEHICLE;
        } else {
            scenario = Scenario.CLEAR_ROAD;
        }
        return make(scenario);
    }

    /**
     * The next frame of the next vehicle showing {@code scenario}, whatever the rare rate says (for
     * evaluation sets). It advances the simulator like {@link #next()} does.
     */
    public SimulatedFrame render(Scenario scenario) {
        random.nextDouble(); // the draw next() would have made, so both keep the same random sequence
        return make(Objects.requireNonNull(scenario, "scenario"));
    }

    /** The next {@code count} frames from {@link #next()}. */
    public List<SimulatedFrame> next(int count) {
        List<SimulatedFrame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            frames.add(next());
        }
        return frames;
    }

    public SimulatorConfig config() {
        return config;
    }

    private SimulatedFrame make(Scenario scenario) {
        long index = framesMade++;
        Vehicle vehicle = vehicles.get((int) (index % vehicles.size()));
        long seq = vehicle.framesSent++;
        vehicle.drive(random);

        float roadSteering = clamp(1.6 * vehicle.curvature - 0.4 * vehicle.lateral);
        SceneRenderer.Pedestrian pedestrian = null;
        SceneRenderer.StoppedCar car = null;
        float steering;
        float acceleration;
        double freeSide = 0;
        switch (scenario) {
            case PEDESTRIAN_CROSSING -> {
                pedestrian = new SceneRenderer.Pedestrian(
                        0.3 + 0.35 * random.nextDouble(), 2 * random.nextDouble() - 1, random.nextInt(1000));
                steering = roadSteering;
                acceleration = PEDESTRIAN_BRAKE;
            }
            case STOPPED_VEHICLE -> {
                double carSide = random.nextBoolean() ? 1 : -1;
                car = new SceneRenderer.StoppedCar(0.3 + 0.3 * random.nextDouble(),
                        carSide * (0.1 + 0.2 * random.nextDouble()), 0.45 + 0.15 * random.nextDouble(),
                        random.nextInt(1000));
                freeSide = -carSide;
                steering = clamp(roadSteering + SWERVE * freeSide);
                acceleration = STOPPED_VEHICLE_BRAKE;
            }
            default -> {
                steering = roadSteering;
                acceleration = clamp(0.2 - 0.45 * Math.abs(vehicle.curvature));
            }
        }

        boolean erred = random.nextDouble() < config.humanErrorRate();
        double intendedSteering = steering;
        double intendedAcceleration = acceleration;
        if (erred) {
            switch (scenario) {
                case PEDESTRIAN_CROSSING -> intendedAcceleration = LATE_BRAKE_ACCELERATION;
                case STOPPED_VEHICLE -> intendedSteering = roadSteering - SWERVE * freeSide;
                default -> intendedSteering = steering + (random.nextBoolean() ? SWERVE : -SWERVE);
            }
        }
        float humanSteering = clamp(vehicle.steeringGain * intendedSteering + vehicle.steeringBias
                + HUMAN_NOISE_SIGMA * random.nextGaussian());
        float humanAcceleration = clamp(vehicle.accelerationGain * intendedAcceleration + vehicle.accelerationBias
                + HUMAN_NOISE_SIGMA * random.nextGaussian());
        vehicle.speed = Math.max(0, Math.min(30, vehicle.speed + 0.8 * humanAcceleration));
        vehicle.odometer += vehicle.speed * FRAME_INTERVAL_MS / 1000.0;

        int[] sky = {
            vehicle.sky[0] + random.nextInt(11) - 5, vehicle.sky[1] + random.nextInt(11) - 5, vehicle.sky[2] + random.nextInt(11) - 5
        };
        SceneRenderer.Scene scene = new SceneRenderer.Scene(vehicle.curvature, vehicle.lateral, vehicle.odometer,
                sky, vehicle.roadGrey, random.nextInt(3) - 1, pedestrian, car);
        byte[] png = PngEncoder.encodeRgb(renderer.render(scene, random), config.width(), config.height());

        String frameId = String.format("%s-%06d-%08x", vehicle.id, seq, (int) mix(config.seed() * 0x9E3779B97F4A7C15L + index));
        long captureTime = epochMs + seq * FRAME_INTERVAL_MS + (index % vehicles.size()) * FRAME_INTERVAL_MS / vehicles.size();
        FrameEvent event = FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId(vehicle.id)
                .setCamera(CAMERA)
                .setCaptureTimeMs(captureTime)
                .setImage(Image.newBuilder()
                        .setEncoding(ImageEncoding.IMAGE_ENCODING_PNG)
                        .setWidth(config.width())
                        .setHeight(config.height())
                        .setChannels(3)
                        .setData(ByteString.copyFrom(png)))
                .setHumanAction(DriverAction.newBuilder().setSteering(humanSteering).setAcceleration(humanAcceleration))
                .setSpeedMps((float) vehicle.speed)
                .build();
        return new SimulatedFrame(event, new Truth(frameId, scenario, steering, acceleration, erred));
    }

    private static float clamp(double value) {
        return (float) Math.max(-1.0, Math.min(1.0, value));
    }

    /** SplitMix64's finaliser: spreads a counter into well-mixed bits for the frame-id suffix. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One vehicle's road and driver. */
    private static final class Vehicle {
        final String id;
        final double steeringGain;
        final double steeringBias;
        final double accelerationGain;
        final double accelerationBias;
        final int[] sky;
        final int roadGrey;
        double curvature;
        double lateral;
        double speed;
        double odometer;
        long framesSent;

        Vehicle(String id, Random random) {
            this.id = id;
            this.steeringGain = 0.9 + 0.2 * random.nextDouble();
            this.steeringBias = 0.06 * random.nextDouble() - 0.03;
            this.accelerationGain = 0.9 + 0.2 * random.nextDouble();
            this.accelerationBias = 0.06 * random.nextDouble() - 0.03;
            this.sky = new int[] {95 + random.nextInt(30), 145 + random.nextInt(30), 205 + random.nextInt(30)};
            this.roadGrey = 95 + random.nextInt(25);
            this.curvature = 0.3 * random.nextGaussian();
            this.speed = 10 + 8 * random.nextDouble();
        }

        void drive(Random random) {
            // Mean-reverting random walks: bends come and go smoothly, so consecutive frames agree.
            curvature = Math.max(-0.6, Math.min(0.6, 0.97 * curvature + 0.035 * random.nextGaussian()));
            lateral = Math.max(-0.4, Math.min(0.4, 0.9 * lateral + 0.03 * random.nextGaussian()));
        }
    }
}
