package io.gleaner.ingest.sim;

import java.util.List;
import java.util.Random;

/**
 * Draws a forward-camera view as 8-bit RGB: sky, grass, a grey road whose centre bends with the
 * road's curvature, a yellow left edge, a white right edge, a dashed white centre line, distant
 * traffic, at most one rare obstacle (pedestrian, stopped car, cones, debris), then weather (fog,
 * rain), lighting (day, dusk, night with headlights), low-sun glare and sensor noise. Shapes are
 * sized in proportion to the image so they stay recognisable from 32x32 to 224x224.
 */
final class SceneRenderer {
    private static final int[][] SHIRT_COLOURS = {
        {255, 40, 40}, {255, 140, 0}, {255, 0, 200}, {255, 235, 0}, {0, 220, 255}, {80, 255, 80}
    };
    private static final int[][] CAR_COLOURS = {
        {125, 18, 18}, {90, 10, 35}, {45, 45, 52}, {20, 20, 26}, {25, 30, 85}
    };
    private static final int[][] TRAFFIC_COLOURS = {
        {200, 200, 205}, {40, 60, 140}, {150, 30, 30}, {30, 30, 30}, {210, 180, 60}
    };
    private static final int[] CONE_ORANGE = {255, 110, 0};
    private static final int[] FOG_GREY = {188, 190, 195};

    /** Where a pedestrian stands: depth 0 (horizon) .. 1 (bottom row), across the road -1 .. +1. */
    record Pedestrian(double depth, double across, int shirt) {}

    /** Where a stopped car stands: depth, across the road -1 .. +1, width as a share of the road. */
    record StoppedCar(double depth, double across, double widthShare, int colour) {}

    /** A far-away car in another lane, harmless: depth (small: far), across (-1 .. +1), colour. */
    record TrafficCar(double depth, double across, int colour) {}

    /** A taper of cones closing the {@code side} (-1 left, +1 right) of the road from {@code nearDepth} on. */
    record Cones(int side, double nearDepth, int count) {}

    /** Something lying on the road: depth, across (-1 .. +1), size as a share of the road width, grey level. */
    record Debris(double depth, double across, double sizeShare, int shade) {}

    /** A low sun just above the horizon at {@code across} (0 left edge .. 1 right edge). */
    record Glare(double across) {}

    /**
     * Everything a frame shows.
     *
     * @param curvature road bend, negative left, positive right
     * @param lateral the vehicle's offset from the road centre, positive when right of it
     * @param odometer metres driven, moves the centre-line dashes
     * @param sky base sky colour
     * @param roadGrey grey level of the asphalt
     * @param horizonShift pitch of the camera in rows
     * @param lighting day, dusk or night
     * @param weather clear, rain or fog
     * @param fogDensity how thick the fog is when there is fog, 0..1
     * @param traffic distant cars in other lanes
     */
    record Scene(
            double curvature,
            double lateral,
            double odometer,
            int[] sky,
            int roadGrey,
            int horizonShift,
            Lighting lighting,
            Weather weather,
            double fogDensity,
            List<TrafficCar> traffic,
            Pedestrian pedestrian,
            StoppedCar car,
            Cones cones,
            Debris debris,
            Glare glare) {}

    private final int width;
    private final int height;

    SceneRenderer(int width, int height) {
        this.width = width;
        this.height = height;
    }

    byte[] render(Scene scene, Random noise) {
        int[] rgb = new int[width * height * 3];
        int horizon = horizon(scene);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                paint(rgb, x, y, background(scene, horizon, x, y));
            }
        }
        for (TrafficCar car : scene.traffic()) {
            drawTraffic(rgb, scene, horizon, car);
        }
        if (scene.cones() != null) {
            drawCones(rgb, scene, horizon, scene.cones());
        }
        if (scene.debris() != null) {
            drawDebris(rgb, scene, horizon, scene.debris());
        }
        if (scene.car() != null) {
            drawCar(rgb, scene, horizon, scene.car());
        }
        if (scene.pedestrian() != null) {
            drawPedestrian(rgb, scene, horizon, scene.pedestrian());
        }
        switch (scene.weather()) {
            case FOG -> fog(rgb, horizon, scene.fogDensity());
            case RAIN -> rain(rgb, noise);
            default -> { }
        }
        light(rgb, horizon, scene.lighting());
        if (scene.glare() != null) {
            glare(rgb, horizon, scene.glare());
        }
        // Sensor noise, a triangular distribution; a dark scene is amplified more, so it is noisier.
        int spread = scene.lighting() == Lighting.NIGHT ? 5 : 3;
        byte[] out = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            int value = rgb[i] + noise.nextInt(2 * spread + 1) + noise.nextInt(2 * spread + 1) - 2 * spread;
            out[i] = (byte) clampByte(value);
        }
        return out;
    }

    private int horizon(Scene scene) {
        return (int) Math.round(height * 0.38) + scene.horizonShift() * Math.max(1, height / 64);
    }

    private double depth(int horizon, int y) {
        return (y - horizon + 1) / (double) (height - horizon);
    }

    private int rowOf(int horizon, double depth) {
        return horizon - 1 + (int) Math.round(depth * (height - horizon));
    }

    private double halfWidth(double depth) {
        return width * (0.035 + 0.43 * depth);
    }

    private double centre(Scene scene, double depth) {
        double far = 1.0 - depth;
        return width / 2.0 + scene.curvature() * width * 0.55 * far * far - scene.lateral() * width * 0.2 * depth;
    }

    private int[] background(Scene scene, int horizon, int x, int y) {
        if (y < horizon) {
            int lift = (int) (35.0 * y / Math.max(1, horizon));
            return new int[] {scene.sky()[0] + lift, scene.sky()[1] + lift, Math.min(255, scene.sky()[2] + lift / 2)};
        }
        double depth = depth(horizon, y);
        double offset = x + 0.5 - centre(scene, depth);
        double half = halfWidth(depth);
        if (Math.abs(offset) > half) {
            int shade = (int) (25 * (1.0 - depth));
            return new int[] {70 - shade / 2, 140 - shade, 55 - shade / 2};
        }
        double line = Math.max(0.6, half * 0.07);
        if (offset < -half + line) {
            return new int[] {225, 200, 40};
        }
        if (offset > half - line) {
            return new int[] {238, 238, 238};
        }
        double distance = 1.0 / (depth + 0.08);
        boolean dashOn = fraction(distance * 0.9 + scene.odometer() * 0.15) < 0.5;
        if (dashOn && Math.abs(offset) < Math.max(0.5, half * 0.035)) {
            return new int[] {230, 230, 230};
        }
        int grey = scene.roadGrey() - (int) (12 * (1.0 - depth));
        return new int[] {grey, grey, grey + 4};
    }

    private void drawTraffic(int[] rgb, Scene scene, int horizon, TrafficCar car) {
        int bottom = rowOf(horizon, car.depth());
        double roadHalf = halfWidth(car.depth());
        int wide = Math.max(2, (int) Math.round(roadHalf * 0.6));
        int tall = Math.max(2, (int) Math.round(wide * 0.7));
        int left = (int) Math.round(centre(scene, car.depth()) + car.across() * roadHalf) - wide / 2;
        fill(rgb, left, bottom - tall + 1, wide, tall, TRAFFIC_COLOURS[car.colour() % TRAFFIC_COLOURS.length]);
        fill(rgb, left, bottom - tall + 1, wide, Math.max(1, tall / 3), new int[] {20, 25, 35});
    }

    private void drawPedestrian(int[] rgb, Scene scene, int horizon, Pedestrian person) {
        int feet = rowOf(horizon, person.depth());
        int tall = (int) Math.round(height * (0.2 + 0.22 * person.depth()));
        int wide = Math.max(3, (int) Math.round(tall * 0.3));
        int centreX = (int) Math.round(centre(scene, person.depth()) + person.across() * halfWidth(person.depth()) * 0.55);
        int left = centreX - wide / 2;
        int headRows = Math.max(2, tall / 5);
        int legRows = Math.max(3, (tall * 2) / 5);
        int top = feet - tall + 1;
        int[] shirt = SHIRT_COLOURS[person.shirt() % SHIRT_COLOURS.length];
        fill(rgb, left + 1, top, wide - 2, headRows, new int[] {235, 190, 150});
        fill(rgb, left, top + headRows, wide, tall - headRows - legRows, shirt);
        int legTop = feet - legRows + 1;
        int[] trousers = {30, 30, 70};
        int legWidth = Math.max(1, (wide - 1) / 2);
        fill(rgb, left, legTop, legWidth, legRows, trousers);
        fill(rgb, left + wide - legWidth, legTop, legWidth, legRows, trousers);
    }

    private void drawCar(int[] rgb, Scene scene, int horizon, StoppedCar car) {
        int bottom = rowOf(horizon, car.depth());
        double roadHalf = halfWidth(car.depth());
        int wide = Math.max(6, (int) Math.round(2 * roadHalf * car.widthShare()));
        int tall = Math.max(4, (int) Math.round(wide * 0.65));
        int centreX = (int) Math.round(centre(scene, car.depth()) + car.across() * roadHalf);
        int left = centreX - wide / 2;
        int top = bottom - tall + 1;
        int[] body = CAR_COLOURS[car.colour() % CAR_COLOURS.length];
        fill(rgb, left, top, wide, tall, body);
        int windowRows = Math.max(1, tall / 3);
        fill(rgb, left + 1, top + 1, wide - 2, windowRows, new int[] {15, 22, 35});
        int light = Math.max(1, wide / 7);
        int lightRow = top + windowRows + 2;
        int[] red = {255, 25, 25};
        fill(rgb, left, lightRow, light + 1, light, red);
        fill(rgb, left + wide - light - 1, lightRow, light + 1, light, red);
        fill(rgb, left, bottom, wide, 1, new int[] {10, 10, 10});
    }

    private void drawCones(int[] rgb, Scene scene, int horizon, Cones cones) {
        // A taper: the nearest cone stands at the road edge, each farther one further into the road.
        for (int i = 0; i < cones.count(); i++) {
            double t = i / (double) Math.max(1, cones.count() - 1);
            double depth = cones.nearDepth() - t * (cones.nearDepth() - 0.12);
            double across = cones.side() * (0.85 - 0.7 * t);
            int base = rowOf(horizon, depth);
            int tall = Math.max(3, (int) Math.round(height * (0.05 + 0.14 * depth)));
            int baseWide = Math.max(3, (int) Math.round(tall * 0.75));
            int centreX = (int) Math.round(centre(scene, depth) + across * halfWidth(depth));
            for (int row = 0; row < tall; row++) {
                int wide = Math.max(1, (int) Math.round(baseWide * (row + 1) / (double) tall));
                boolean stripe = row >= tall / 3 && row < tall / 3 + Math.max(1, tall / 5);
                fill(rgb, centreX - wide / 2, base - tall + 1 + row, wide, 1, stripe ? new int[] {245, 245, 245} : CONE_ORANGE);
            }
        }
    }

    private void drawDebris(int[] rgb, Scene scene, int horizon, Debris debris) {
        int bottom = rowOf(horizon, debris.depth());
        double roadHalf = halfWidth(debris.depth());
        int wide = Math.max(4, (int) Math.round(2 * roadHalf * debris.sizeShare()));
        int tall = Math.max(2, wide / 3);
        int centreX = (int) Math.round(centre(scene, debris.depth()) + debris.across() * roadHalf);
        int[] body = {debris.shade() + 25, debris.shade() + 12, debris.shade()};
        // An irregular lump: a low wide slab with a taller, narrower block on it, and its shadow.
        fill(rgb, centreX - wide / 2, bottom - tall + 1, wide, tall, body);
        fill(rgb, centreX - wide / 4, bottom - tall - tall / 2, Math.max(2, wide / 2), tall / 2 + 1,
                new int[] {body[0] - 30, body[1] - 30, body[2] - 25});
        fill(rgb, centreX - wide / 2 + 1, bottom + 1, wide, 1, new int[] {25, 25, 28});
    }

    private void fog(int[] rgb, int horizon, double density) {
        for (int y = 0; y < height; y++) {
            double weight = y < horizon ? density : density * Math.pow(1.0 - depth(horizon, y), 0.7);
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                for (int c = 0; c < 3; c++) {
                    rgb[i + c] = (int) Math.round(rgb[i + c] * (1 - weight) + FOG_GREY[c] * weight);
                }
            }
        }
    }

    private void rain(int[] rgb, Random noise) {
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (int) (rgb[i] * 0.82);
        }
        int streaks = Math.max(6, width * height / 180);
        int length = Math.max(3, height / 10);
        for (int s = 0; s < streaks; s++) {
            int x0 = noise.nextInt(width);
            int y0 = noise.nextInt(height);
            for (int k = 0; k < length; k++) {
                int x = x0 + k / 3;
                int y = y0 + k;
                if (x < width && y < height) {
                    int i = (y * width + x) * 3;
                    rgb[i] = (rgb[i] + 175) / 2;
                    rgb[i + 1] = (rgb[i + 1] + 180) / 2;
                    rgb[i + 2] = (rgb[i + 2] + 195) / 2;
                }
            }
        }
    }

    private void light(int[] rgb, int horizon, Lighting lighting) {
        if (lighting == Lighting.DAY) {
            return;
        }
        for (int y = 0; y < height; y++) {
            double[] gain;
            if (lighting == Lighting.DUSK) {
                gain = new double[] {0.95, 0.7, 0.6};
            } else {
                // Night: headlights light the near road, the distance and the sky stay dark.
                double level = y < horizon ? 0.2 : 0.22 + 0.5 * depth(horizon, y);
                gain = new double[] {level, level, level * 1.1};
            }
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                for (int c = 0; c < 3; c++) {
                    rgb[i + c] = (int) Math.round(rgb[i + c] * gain[c]);
                }
            }
        }
    }

    private void glare(int[] rgb, int horizon, Glare glare) {
        double sunX = glare.across() * width;
        double sunY = horizon - height * 0.08;
        double spread = width * 0.35;
        double disk = Math.max(1.5, width * 0.07);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = x + 0.5 - sunX;
                double dy = y + 0.5 - sunY;
                double r2 = dx * dx + dy * dy;
                // A washed-out frame: everything lifted towards white, most near the sun, plus a lens streak.
                double wash = 0.3 + 0.6 * Math.exp(-r2 / (2 * spread * spread))
                        + 0.4 * Math.exp(-dy * dy / (2 * disk * disk / 4));
                wash = r2 < disk * disk ? 1.0 : Math.min(0.95, wash);
                int i = (y * width + x) * 3;
                rgb[i] = (int) Math.round(rgb[i] * (1 - wash) + 255 * wash);
                rgb[i + 1] = (int) Math.round(rgb[i + 1] * (1 - wash) + 248 * wash);
                rgb[i + 2] = (int) Math.round(rgb[i + 2] * (1 - wash) + 220 * wash);
            }
        }
    }

    private void fill(int[] rgb, int left, int top, int wide, int tall, int[] colour) {
        for (int y = Math.max(0, top); y < Math.min(height, top + tall); y++) {
            for (int x = Math.max(0, left); x < Math.min(width, left + wide); x++) {
                paint(rgb, x, y, colour);
            }
        }
    }

    private void paint(int[] rgb, int x, int y, int[] colour) {
        int i = (y * width + x) * 3;
        rgb[i] = clampByte(colour[0]);
        rgb[i + 1] = clampByte(colour[1]);
        rgb[i + 2] = clampByte(colour[2]);
    }

    private static int clampByte(int value) {
        return Math.max(0, Math.min(255, value));
    }

    private static double fraction(double value) {
        return value - Math.floor(value);
    }
}
