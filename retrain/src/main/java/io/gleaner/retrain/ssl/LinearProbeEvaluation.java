package io.gleaner.retrain.ssl;

import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.BackboneSpec;

/**
 * The linear-probe evaluation: one {@link LinearProbe} fitted on the training images' features and
 * scored on the test images', for a pretrained backbone, for raw pixels, and for a randomly
 * initialised backbone of the same spec, so the three accuracies differ only in the features.
 */
public final class LinearProbeEvaluation {
    private static final int CHUNK = 512;

    private LinearProbeEvaluation() {}

    /**
     * @param pretrained the backbone under test
     * @param randomSeed seed of the randomly initialised backbone
     */
    public static ProbeReport run(Backbone pretrained, ImageSet train, int[] trainLabels, ImageSet test,
            int[] testLabels, int classes, LinearProbe.Settings settings, long randomSeed) {
        long started = System.nanoTime();
        double ssl = probe(embeddings(pretrained, train), embeddings(pretrained, test), pretrained.spec().embeddingSize(),
                train, trainLabels, test, testLabels, classes, settings);
        double raw = probe(pixels(train), pixels(test), train.imageLength(), train, trainLabels, test, testLabels,
                classes, settings);
        double random;
        try (Backbone init = Backbone.create(pretrained.spec(), randomSeed)) {
            random = probe(embeddings(init, train), embeddings(init, test), init.spec().embeddingSize(), train,
                    trainLabels, test, testLabels, classes, settings);
        }
        return new ProbeReport(ssl, raw, random, pretrained.spec().embeddingSize(), train.imageLength(),
                (System.nanoTime() - started) / 1e9);
    }

    private static double probe(float[] trainFeatures, float[] testFeatures, int d, ImageSet train, int[] trainLabels,
            ImageSet test, int[] testLabels, int classes, LinearProbe.Settings settings) {
        LinearProbe probe = LinearProbe.fit(trainFeatures, train.count(), d, trainLabels, classes, settings);
        return probe.accuracy(testFeatures, test.count(), testLabels);
    }

    /** The backbone's embeddings of every image, row by row. */
    public static float[] embeddings(Backbone backbone, ImageSet images) {
        BackboneSpec spec = backbone.spec();
        int length = images.imageLength();
        int d = spec.embeddingSize();
        float[] mean = spec.mean();
        float[] std = spec.std();
        float[] out = new float[images.count() * d];
        for (int from = 0; from < images.count(); from += CHUNK) {
            int count = Math.min(CHUNK, images.count() - from);
            float[] batch = new float[count * length];
            for (int i = 0; i < count; i++) {
                images.normalised(from + i, mean, std, batch, i * length);
            }
            System.arraycopy(backbone.embed(batch, count), 0, out, from * d, count * d);
        }
        return out;
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
