package io.gleaner.ingest.sim;

import com.google.protobuf.ByteString;
import io.gleaner.ingest.PngWriter;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A simulated fleet of vehicles that take turns sending forward-camera frames.
 *
 * <p>Each vehicle drives a road whose curvature drifts smoothly (a mean-reverting random walk) and
 * drifts sideways within it, so the correct steering is a clear function of the visible bend and
 * offset: {@code clamp(1.6 * curvature - 0.4 * lateralOffset)}; the human's steering feeds back into
 * the offset, so good steering keeps the car centred. On a clear road the correct acceleration is
 * {@code 0.2 - 0.45 * |curvature|} (slower in sharp bends). Distant traffic in other lanes, the time of
 * day and the weather change slowly per vehicle and never change the correct action.
 *
 * <p>Rare scenes appear with the rates of {@link SimulatorConfig#rareRates()}, each with its own
 * correct action: a pedestrian on the road (brake, -0.9); a stopped car in the lane (swerve 0.5
 * toward the free side, -0.4); cones closing one side (steer 0.35 away from them, -0.3); debris on
 * the road (swerve 0.2 around it, -0.25); low-sun glare (the clear-road action: novel but harmless).
 * The human action is the correct one through a per-driver gain and bias plus Gaussian noise
 * (sigma 0.04); with probability {@code humanErrorRate} it is a mistake instead (late braking, a
 * swerve the wrong way, a jerk of the wheel), which {@link Truth#humanErred()} records.
 *
 * <p>Deterministic: every vehicle draws from its own random generator, seeded from the config's
 * seed and the vehicle's index, so vehicle {@code k}'s frames are byte-identical for a seed however
 * many vehicles there are, and the same {@link SimulatorConfig} gives the same frames and truth in
 * the same order. Not thread-safe; one caller drives it.
 */
public final class FleetSimulator {
    /** Camera name written on every frame. */
    public static final String CAMERA = "front";

    private static final long EPOCH_BASE_MS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final long FRAME_INTERVAL_MS = 100;
    private static final double HUMAN_NOISE_SIGMA = 0.04;
    private static final double SWERVE = 0.5;
    private static final double CONE_STEER = 0.35;
    private static final double DEBRIS_SWERVE = 0.2;
    private static final float PEDESTRIAN_BRAKE = -0.9f;
    private static final float STOPPED_VEHICLE_BRAKE = -0.4f;
    private static final float CONES_SLOW_DOWN = -0.3f;
    private static final float DEBRIS_SLOW_DOWN = -0.25f;
    private static final float LATE_BRAKE_ACCELERATION = 0.1f;
    private static final double LIGHTING_CHANGE_RATE = 0.003;
    private static final double WEATHER_CHANGE_RATE = 0.004;
    private static final double TRAFFIC_SPAWN_RATE = 0.03;

    private final SimulatorConfig config;
    private final SceneRenderer renderer;
    private final List<Vehicle> vehicles;
    private final long epochMs;
    private long framesMade;

    public FleetSimulator(SimulatorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.renderer = new SceneRenderer(config.width(), config.height());
        this.epochMs = EPOCH_BASE_MS + Math.floorMod(config.seed(), 1_000_000L) * 1000L;
        this.vehicles = new ArrayList<>(config.vehicles());
        for (int i = 0; i < config.vehicles(); i++) {
            vehicles.add(new Vehicle(String.format("vehicle-%02d", i), vehicleSeed(config.seed(), i)));
        }
    }

    /** The next frame of the next vehicle, its scene drawn with the configured rare rates. */
    public SimulatedFrame next() {
        Vehicle vehicle = nextVehicle();
        return make(vehicle, config.rareRates().pick(vehicle.random.nextDouble()));
    }

    /**
     * The next frame of the next vehicle showing {@code scenario}, whatever the rare rates say (for
     * evaluation sets). It advances the simulator like {@link #next()} does.
     */
    public SimulatedFrame render(Scenario scenario) {
        Objects.requireNonNull(scenario, "scenario");
        Vehicle vehicle = nextVehicle();
        vehicle.random.nextDouble(); // the draw next() would have made, so both keep the same random sequence
        return make(vehicle, scenario);
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

    private Vehicle nextVehicle() {
        return vehicles.get((int) (framesMade++ % vehicles.size()));
    }

    private SimulatedFrame make(Vehicle vehicle, Scenario scenario) {
        Random random = vehicle.random;
        long seq = vehicle.framesSent++;
        vehicle.drive();
        // Drawn before any scene-specific draw, so a forced scene shows the same road, sky and pitch.
        int[] sky = vehicle.skyNow();
        int horizonShift = random.nextInt(3) - 1;

        float roadSteering = clamp(1.6 * vehicle.curvature - 0.4 * vehicle.lateral);
        float roadAcceleration = clamp(0.2 - 0.45 * Math.abs(vehicle.curvature));
        SceneRenderer.Pedestrian pedestrian = null;
        SceneRenderer.StoppedCar car = null;
        SceneRenderer.Cones cones = null;
        SceneRenderer.Debris debris = null;
        SceneRenderer.Glare glare = null;
        Lighting lighting = vehicle.lighting;
        double steering = roadSteering;
        double acceleration = roadAcceleration;
        double freeSide = 0;
        switch (scenario) {
            case PEDESTRIAN_CROSSING -> {
                pedestrian = new SceneRenderer.Pedestrian(
                        0.3 + 0.35 * random.nextDouble(), 2 * random.nextDouble() - 1, random.nextInt(1000));
                acceleration = PEDESTRIAN_BRAKE;
            }
            case STOPPED_VEHICLE -> {
                double carSide = random.nextBoolean() ? 1 : -1;
                car = new SceneRenderer.StoppedCar(0.3 + 0.3 * random.nextDouble(),
                        carSide * (0.1 + 0.2 * random.nextDouble()), 0.45 + 0.15 * random.nextDouble(),
                        random.nextInt(1000));
                freeSide = -carSide;
                steering = roadSteering + SWERVE * freeSide;
                acceleration = STOPPED_VEHICLE_BRAKE;
            }
            case CONSTRUCTION_CONES -> {
                int coneSide = random.nextBoolean() ? 1 : -1;
                cones = new SceneRenderer.Cones(coneSide, 0.55 + 0.3 * random.nextDouble(), 4 + random.nextInt(3));
                freeSide = -coneSide;
                steering = roadSteering + CONE_STEER * freeSide;
                acceleration = CONES_SLOW_DOWN;
            }
            case DEBRIS -> {
                double across = 0.5 * random.nextDouble() - 0.25;
                debris = new SceneRenderer.Debris(0.4 + 0.35 * random.nextDouble(), across,
                        0.24 + 0.16 * random.nextDouble(), 70 + random.nextInt(60));
                freeSide = across >= 0 ? -1 : 1;
                steering = roadSteering + DEBRIS_SWERVE * freeSide;
                acceleration = DEBRIS_SLOW_DOWN;
            }
            case LOW_SUN_GLARE -> {
                glare = new SceneRenderer.Glare(0.15 + 0.7 * random.nextDouble());
                if (lighting == Lighting.NIGHT) {
                    lighting = Lighting.DUSK; // a low sun means it is not night
                }
            }
            default -> { }
        }
        steering = clamp(steering);
        acceleration = clamp(acceleration);

        boolean erred = random.nextDouble() < config.humanErrorRate();
        double intendedSteering = steering;
        double intendedAcceleration = acceleration;
        if (erred) {
            switch (scenario) {
                case PEDESTRIAN_CROSSING -> intendedAcceleration = LATE_BRAKE_ACCELERATION;
                case STOPPED_VEHICLE, CONSTRUCTION_CONES, DEBRIS ->
                        intendedSteering = roadSteering - (steering - roadSteering); // the wrong way
                default -> intendedSteering = steering + (random.nextBoolean() ? SWERVE : -SWERVE);
            }
        }
        float humanSteering = clamp(vehicle.steeringGain * intendedSteering + vehicle.steeringBias
                + HUMAN_NOISE_SIGMA * random.nextGaussian());
        float humanAcceleration = clamp(vehicle.accelerationGain * intendedAcceleration + vehicle.accelerationBias
                + HUMAN_NOISE_SIGMA * random.nextGaussian());
        vehicle.respond(humanSteering, humanAcceleration);

        SceneRenderer.Scene scene = new SceneRenderer.Scene(vehicle.curvature, vehicle.lateral, vehicle.odometer,
                sky, vehicle.roadGrey, horizonShift, lighting, vehicle.weather,
                vehicle.fogDensity, List.copyOf(vehicle.traffic), pedestrian, car, cones, debris, glare);
        byte[] rgb = renderer.render(scene, random);
        byte[] image = switch (config.encoding()) {
            case PNG -> PngWriter.encodeRgb(rgb, config.width(), config.height());
            case JPEG -> JpegEncoder.encodeRgb(rgb, config.width(), config.height(), config.jpegQuality());
        };

        String frameId = String.format("%s-%06d-%08x", vehicle.id, seq, (int) mix(vehicle.seed + seq));
        FrameEvent event = FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId(vehicle.id)
                .setCamera(CAMERA)
                .setCaptureTimeMs(epochMs + seq * FRAME_INTERVAL_MS + vehicle.phaseMs)
                .setImage(Image.newBuilder()
                        .setEncoding(config.encoding().wire())
                        .setWidth(config.width())
                        .setHeight(config.height())
                        .setChannels(3)
                        .setData(ByteString.copyFrom(image)))
                .setHumanAction(DriverAction.newBuilder().setSteering(humanSteering).setAcceleration(humanAcceleration))
                .setSpeedMps((float) vehicle.speed)
                .build();
        return new SimulatedFrame(event, new Truth(frameId, scenario, (float) steering, (float) acceleration, erred));
    }

    private static float clamp(double value) {
        return (float) Math.max(-1.0, Math.min(1.0, value));
    }

    /** Vehicle {@code index}'s own seed: depends on the fleet seed and the index only, never the fleet size. */
    static long vehicleSeed(long seed, int index) {
        return mix(mix(seed) + 0x9E3779B97F4A7C15L * (index + 1L));
    }

    /** SplitMix64's finaliser: spreads a counter into well-mixed bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One vehicle's road, surroundings and driver, with its own random generator. */
    private static final class Vehicle {
        final String id;
        final long seed;
        final Random random;
        final long phaseMs;
        final double steeringGain;
        final double steeringBias;
        final double accelerationGain;
        final double accelerationBias;
        final int[] sky;
        final int roadGrey;
        final List<SceneRenderer.TrafficCar> traffic = new ArrayList<>();
        Lighting lighting;
        Weather weather;
        double fogDensity;
        double curvature;
        double lateral;
        double speed;
        double odometer;
        long framesSent;

        Vehicle(String id, long seed) {
            this.id = id;
            this.seed = seed;
            this.random = new Random(seed);
            this.phaseMs = Math.floorMod(seed, FRAME_INTERVAL_MS);
            this.steeringGain = 0.9 + 0.2 * random.nextDouble();
            this.steeringBias = 0.06 * random.nextDouble() - 0.03;
            this.accelerationGain = 0.9 + 0.2 * random.nextDouble();
            this.accelerationBias = 0.06 * random.nextDouble() - 0.03;
            this.sky = new int[] {95 + random.nextInt(30), 145 + random.nextInt(30), 205 + random.nextInt(30)};
            this.roadGrey = 95 + random.nextInt(25);
            this.curvature = 0.3 * random.nextGaussian();
            this.speed = 10 + 8 * random.nextDouble();
            this.lighting = pickLighting();
            this.weather = pickWeather();
            this.fogDensity = 0.35 + 0.35 * random.nextDouble();
        }

        /** One frame's worth of road, drift, time of day, weather and traffic. */
        void drive() {
            // Mean-reverting random walks: bends come and go smoothly, so consecutive frames agree.
            curvature = Math.max(-0.6, Math.min(0.6, 0.97 * curvature + 0.035 * random.nextGaussian()));
            lateral = Math.max(-0.5, Math.min(0.5, 0.95 * lateral + 0.035 * random.nextGaussian()));
            if (random.nextDouble() < LIGHTING_CHANGE_RATE) {
                lighting = pickLighting();
            }
            if (random.nextDouble() < WEATHER_CHANGE_RATE) {
                weather = pickWeather();
                fogDensity = 0.35 + 0.35 * random.nextDouble();
            }
            // Oncoming traffic in the other lanes: appears far away, comes a little closer, passes.
            traffic.replaceAll(car -> new SceneRenderer.TrafficCar(car.depth() + 0.004, car.across(), car.colour()));
            traffic.removeIf(car -> car.depth() > 0.22);
            if (traffic.size() < 2 && random.nextDouble() < TRAFFIC_SPAWN_RATE) {
                double across = random.nextBoolean() ? -0.72 : 0.72;
                traffic.add(new SceneRenderer.TrafficCar(0.02 + 0.06 * random.nextDouble(), across, random.nextInt(1000)));
            }
        }

        /** The car answers the human's controls: steering off the lane-keeping line moves it sideways. */
        void respond(float humanSteering, float humanAcceleration) {
            lateral = Math.max(-0.5, Math.min(0.5, lateral + 0.05 * (humanSteering - 1.6 * curvature)));
            speed = Math.max(0, Math.min(30, speed + 0.8 * humanAcceleration));
            odometer += speed * FRAME_INTERVAL_MS / 1000.0;
        }

        int[] skyNow() {
            return new int[] {sky[0] + random.nextInt(11) - 5, sky[1] + random.nextInt(11) - 5, sky[2] + random.nextInt(11) - 5};
        }

        private Lighting pickLighting() {
            double draw = random.nextDouble();
            return draw < 0.6 ? Lighting.DAY : draw < 0.8 ? Lighting.DUSK : Lighting.NIGHT;
        }

        private Weather pickWeather() {
            double draw = random.nextDouble();
            return draw < 0.7 ? Weather.CLEAR : draw < 0.85 ? Weather.RAIN : Weather.FOG;
        }
    }
}
