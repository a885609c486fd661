package io.gleaner.retrain.ssl;

import java.util.List;
import java.util.Map;

/**
 * The augmentations pretraining learns invariance to. Each one is a prior about which changes do
 * not change what a frame shows, so each can be tuned or switched off (probability 0).
 *
 * @param cropScaleMin smallest crop area as a fraction of the image, in (0,1]
 * @param cropScaleMax largest crop area as a fraction, in [cropScaleMin,1]
 * @param cropRatioMin smallest crop aspect ratio (width/height), positive
 * @param cropRatioMax largest crop aspect ratio, at least cropRatioMin
 * @param flipProbability chance of a horizontal flip, 0..1
 * @param jitterProbability chance of colour jitter, 0..1
 * @param brightness brightness factor drawn from [1-b, 1+b], b in 0..1
 * @param contrast contrast factor drawn from [1-c, 1+c], c in 0..1
 * @param saturation saturation factor drawn from [1-s, 1+s], s in 0..1 (no effect on gray images)
 * @param grayscaleProbability chance of converting to gray, 0..1 (no effect on gray images)
 * @param blurProbability chance of a Gaussian blur, 0..1
 * @param blurSigmaMin smallest blur sigma in pixels, positive
 * @param blurSigmaMax largest blur sigma in pixels, at least blurSigmaMin and at most 3
 */
public record AugmentationConfig(double cropScaleMin, double cropScaleMax, double cropRatioMin, double cropRatioMax,
        double flipProbability, double jitterProbability, double brightness, double contrast, double saturation,
        double grayscaleProbability, double blurProbability, double blurSigmaMin, double blurSigmaMax) {
    public AugmentationConfig {
        if (!(cropScaleMin > 0 && cropScaleMin <= cropScaleMax && cropScaleMax <= 1)) {
            throw new IllegalArgumentException("crop scale " + cropScaleMin + ".." + cropScaleMax
                    + " must satisfy 0 < min <= max <= 1");
        }
        if (!(cropRatioMin > 0 && cropRatioMin <= cropRatioMax)) {
            throw new IllegalArgumentException("crop ratio " + cropRatioMin + ".." + cropRatioMax
                    + " must satisfy 0 < min <= max");
        }
        probability("flip", flipProbability);
        probability("jitter", jitterProbability);
        probability("grayscale", grayscaleProbability);
        probability("blur", blurProbability);
        probability("brightness", brightness);
        probability("contrast", contrast);
        probability("saturation", saturation);
        if (!(blurSigmaMin > 0 && blurSigmaMin <= blurSigmaMax && blurSigmaMax <= 3)) {
            throw new IllegalArgumentException("blur sigma " + blurSigmaMin + ".." + blurSigmaMax
                    + " must satisfy 0 < min <= max <= 3 pixels");
        }
    }

    /**
     * SimCLR's recipe scaled for 28–96 px frames: crops of 25–100% of the area (SimCLR's 8% leaves
     * too little of a 28 px frame), flips, strong jitter 80% of the time, 20% gray, and a mild blur
     * half the time (sigma 0.1–1 px instead of 10% of the side).
     */
    public static AugmentationConfig defaults() {
        return new AugmentationConfig(0.25, 1.0, 3.0 / 4, 4.0 / 3, 0.5, 0.8, 0.4, 0.4, 0.4, 0.2, 0.5, 0.1, 1.0);
    }

    /** Every augmentation off: the view is the image itself. */
    public static AugmentationConfig none() {
        return new AugmentationConfig(1.0, 1.0, 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.1);
    }

    /** The names {@link #with} takes, one per component, in the record's order. */
    public static final List<String> NAMES = List.of("crop-scale-min", "crop-scale-max", "crop-ratio-min",
            "crop-ratio-max", "flip", "jitter", "brightness", "contrast", "saturation", "grayscale", "blur",
            "blur-sigma-min", "blur-sigma-max");

    /**
     * This config with some components changed, by their names in {@link #NAMES}: the way a user
     * tunes a prior from the command line ({@code --augment blur=0}) and keeps the others. The
     * changes are checked together, so narrowing a range from either end works in any order.
     *
     * @throws IllegalArgumentException for an unknown name, or values the components do not take
     */
    public AugmentationConfig with(Map<String, Double> changes) {
        double[] v = {cropScaleMin, cropScaleMax, cropRatioMin, cropRatioMax, flipProbability, jitterProbability,
                brightness, contrast, saturation, grayscaleProbability, blurProbability, blurSigmaMin, blurSigmaMax};
        changes.forEach((name, value) -> {
            int index = NAMES.indexOf(name);
            if (index < 0) {
                throw new IllegalArgumentException("unknown augmentation '" + name + "'; known: "
                        + String.join(", ", NAMES));
            }
            v[index] = value;
        });
        return new AugmentationConfig(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
    }

    private static void probability(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " " + value + " must be in 0..1");
        }
    }
}
