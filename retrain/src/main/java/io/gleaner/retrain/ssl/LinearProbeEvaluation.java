package io.gleaner.retrain.ssl;

import io.gleaner.scorer.model.Backbone;

/**
 * The linear-probe evaluation: one {@link LinearProbe} fitted on the training images' features and
 * scored on the test images', for a pretrained backbone, for raw pixels, and for a randomly
 * initialised backbone of the same spec, so the three accuracies differ only in the features. Both
 * backbones are read through the same {@link ProbeFeatures}; raw pixels are all the pixels.
 */
public final class LinearProbeEvaluation {
    private LinearProbeEvaluation() {}

    /**
     * @param pretrained the backbone under test
     * @param features what the probe reads of both backbones
     * @param randomSeed seed of the randomly initialised backbone
     */
    public static ProbeReport run(Backbone pretrained, ImageSet train, int[] trainLabels, ImageSet test,
            int[] testLabels, int classes, ProbeFeatures features, LinearProbe.Settings settings, long randomSeed) {
        long started = System.nanoTime();
        int d = features.dimensions(pretrained.spec());
        double ssl = probe(features.extract(pretrained, train), features.extract(pretrained, test), d,
                train, trainLabels, test, testLabels, classes, settings);
        double raw = probe(pixels(train), pixels(test), train.imageLength(), train, trainLabels, test, testLabels,
                classes, settings);
        double random;
        try (Backbone init = Backbone.create(pretrained.spec(), randomSeed)) {
            random = probe(features.extract(init, train), features.extract(init, test), d, train,
                    trainLabels, test, testLabels, classes, settings);
        }
        return new ProbeReport(ssl, raw, random, d, train.imageLength(), (System.nanoTime() - started) / 1e9);
    }

    private static double probe(float[] trainFeatures, float[] testFeatures, int d, ImageSet train, int[] trainLabels,
            ImageSet test, int[] testLabels, int classes, LinearProbe.Settings settings) {
        LinearProbe probe = LinearProbe.fit(trainFeatures, train.count(), d, trainLabels, classes, settings);
        return probe.accuracy(testFeatures, test.count(), testLabels);
    }

    /** Every image's samples scaled to [0,1], row by row. */
    public static float[] pixels(ImageSet images) {
        byte[] pixels = images.pixels();
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (pixels[i] & 0xFF) / 255f;
        }
        return out;
    }
}
