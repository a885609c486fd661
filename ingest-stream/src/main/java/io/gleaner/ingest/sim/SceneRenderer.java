package io.gleaner.ingest.sim;

import java.util.Random;

/**
 * Draws a forward-camera view as 8-bit RGB: sky, grass, a grey road whose centre bends with the
 * road's curvature, a yellow left edge, a white right edge, a dashed white centre line, and at most
 * one obstacle. Shapes are sized in proportion to the image so they stay recognisable at 64x64.
 */
final class SceneRenderer {
    private static final int[][] SHIRT_COLOURS = {
        {255, 40, 40}, {255, 140, 0}, {255, 0, 200}, {255, 235, 0}, {0, 220, 255}, {80, 255, 80}
    };
    private static final int[][] CAR_COLOURS = {
        {125, 18, 18}, {90, 10, 35}, {45, 45, 52}, {20, 20, 26}, {25, 30, 85}
    };

    /** Where a pedestrian stands: depth 0 (horizon) .. 1 (bottom row), across the road -1 .. +1. */
    record Pedestrian(double depth, double across, int shirt) {}

    /** Where a stopped car stands: depth, across the road -1 .. +1, width as a share of the road. */
    record StoppedCar(double depth, double across, double widthShare, int colour) {}

    /**
     * Everything a frame shows.
     *
     * @param curvature road bend, negative left, positive right
     * @param lateral the vehicle's offset from the road centre, positive when right of it
     * @param odometer metres driven, moves the centre-line dashes
     * @param sky base sky colour
     * @param roadGrey grey level of the asphalt
     * @param horizonShift pitch of the camera in rows
     */
    record Scene(
            double curvature,
            double lateral,
            double odometer,
            int[] sky,
            int roadGrey,
            int horizonShift,
            Pedestrian pedestrian,
            StoppedCar car) {}

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
        if (scene.pedestrian() != null) {
            drawPedestrian(rgb, scene, horizon, scene.pedestrian());
        }
        if (scene.car() != null) {
            drawCar(rgb, scene, horizon, scene.car());
        }
        byte[] out = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            // Mild sensor noise: a triangular distribution within +-6 levels.
            int value = rgb[i] + noise.nextInt(7) + noise.nextInt(7) - 6;
            out[i] = (byte) Math.max(0, Math.min(255, value));
        }
        return out;
    }

    private int horizon(Scene scene) {
        return (int) Math.round(height * 0.38) + scene.horizonShift();
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

    private void fill(int[] rgb, int left, int top, int wide, int tall, int[] colour) {
        for (int y = Math.max(0, top); y < Math.min(height, top + tall); y++) {
            for (int x = Math.max(0, left); x < Math.min(width, left + wide); x++) {
                paint(rgb, x, y, colour);
            }
        }
    }

    private void paint(int[] rgb, int x, int y, int[] colour) {
        int i = (y * width + x) * 3;
        rgb[i] = Math.max(0, Math.min(255, colour[0]));
        rgb[i + 1] = Math.max(0, Math.min(255, colour[1]));
        rgb[i + 2] = Math.max(0, Math.min(255, colour[2]));
    }

    private static double fraction(double value) {
        return value - Math.floor(value);
    }
}
