package io.gleaner.retrain.ssl;

import java.util.Arrays;
import java.util.Random;

/**
 * A linear classifier (multinomial logistic regression) on frozen features: the standard test of
 * a self-supervised representation. Features are standardised with the training set's per-feature
 * mean and std, then softmax regression is fitted by mini-batch Adam with cosine-decayed learning
 * rate and a small L2 penalty. Pure Java and deterministic for a seed, so raw pixels, random and
 * pretrained features are probed identically.
 */
public final class LinearProbe {
    private final int dimensions;
    private final int classes;
    private final float[] mean;
    private final float[] inverseStd;
    private final float[] weights;
    private final float[] bias;

    private LinearProbe(int dimensions, int classes, float[] mean, float[] inverseStd, float[] weights, float[] bias) {
        this.dimensions = dimensions;
        this.classes = classes;
        this.mean = mean;
        this.inverseStd = inverseStd;
        this.weights = weights;
        this.bias = bias;
    }

    /** How the probe is fitted. */
    public record Settings(int epochs, int batchSize, double learningRate, double l2, long seed) {
        public Settings {
            if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(l2 >= 0)) {
                throw new IllegalArgumentException("probe settings need epochs >= 1, batch >= 1, learning rate > 0, l2 >= 0");
            }
        }

        /** 30 epochs of batch 256 at 2e-3, L2 1e-4. */
        public static Settings defaults() {
            return new Settings(30, 256, 2e-3, 1e-4, 7);
        }
    }

    /**
     * Fits a probe on {@code n} feature rows of {@code d} values and their labels in {@code 0..classes-1}.
     */
    public static LinearProbe fit(float[] features, int n, int d, int[] labels, int classes, Settings settings) {
        if (features.length != n * d || labels.length != n || n < 1 || classes < 2) {
            throw new IllegalArgumentException(n + " rows of " + d + " features need " + (long) n * d + " floats and "
                    + n + " labels, got " + features.length + " and " + labels.length);
        }
        float[] mean = new float[d];
        float[] inverseStd = new float[d];
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = features[i * d + j];
                sum[j] += v;
                sumSq[j] += v * v;
            }
        }
        for (int j = 0; j < d; j++) {
            double m = sum[j] / n;
            double var = Math.max(0, sumSq[j] / n - m * m);
            mean[j] = (float) m;
            // Constant features (a border pixel that is always 0) stay 0 instead of dividing by 0.
            inverseStd[j] = var > 1e-12 ? (float) (1 / Math.sqrt(var)) : 0f;
        }
        float[] w = new float[d * classes];
        float[] b = new float[classes];
        float[] mW = new float[w.length];
        float[] vW = new float[w.length];
        float[] mB = new float[classes];
        float[] vB = new float[classes];
        float[] gW = new float[w.length];
        float[] gB = new float[classes];
        float[] x = new float[d];
        float[] p = new float[classes];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(settings.seed());
        int stepsPerEpoch = (n + settings.batchSize() - 1) / settings.batchSize();
        long totalSteps = (long) stepsPerEpoch * settings.epochs();
        long step = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0; from < n; from += settings.batchSize()) {
                int to = Math.min(n, from + settings.batchSize());
                Arrays.fill(gW, 0f);
                Arrays.fill(gB, 0f);
                for (int r = from; r < to; r++) {
                    int row = order[r];
                    for (int j = 0; j < d; j++) {
                        x[j] = (features[row * d + j] - mean[j]) * inverseStd[j];
                    }
                    softmax(x, w, b, d, classes, p);
                    p[labels[row]] -= 1f;
                    for (int j = 0; j < d; j++) {
                        float xj = x[j];
                        if (xj != 0f) {
                            int base = j * classes;
                            for (int k = 0; k < classes; k++) {
                                gW[base + k] += xj * p[k];
                            }
                        }
                    }
                    for (int k = 0; k < classes; k++) {
                        gB[k] += p[k];
                    }
                }
                step++;
                float scale = 1f / (to - from);
                double rate = settings.learningRate() * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / totalSteps));
                adam(w, gW, mW, vW, scale, (float) settings.l2(), rate, step);
                adam(b, gB, mB, vB, scale, 0f, rate, step);
            }
        }
        return new LinearProbe(d, classes, mean, inverseStd, w, b);
    }

    /** The predicted class of each of {@code n} feature rows. */
    public int[] predict(float[] features, int n) {
        if (features.length != n * dimensions) {
            throw new IllegalArgumentException(n + " rows of " + dimensions + " features need "
                    + (long) n * dimensions + " floats, got " + features.length);
        }
        float[] x = new float[dimensions];
        float[] p = new float[classes];
        int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dimensions; j++) {
                x[j] = (features[i * dimensions + j] - mean[j]) * inverseStd[j];
            }
            softmax(x, weights, bias, dimensions, classes, p);
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (p[k] > p[best]) {
                    best = k;
                }
            }
            predicted[i] = best;
        }
        return predicted;
    }

    /** The share of {@code n} rows whose predicted class is their label. */
    public double accuracy(float[] features, int n, int[] labels) {
        int[] predicted = predict(features, n);
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return (double) correct / n;
    }

    private static void softmax(float[] x, float[] w, float[] b, int d, int classes, float[] out) {
        for (int k = 0; k < classes; k++) {
            out[k] = b[k];
        }
        for (int j = 0; j < d; j++) {
            float xj = x[j];
            if (xj != 0f) {
                int base = j * classes;
                for (int k = 0; k < classes; k++) {
                    out[k] += xj * w[base + k];
                }
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            max = Math.max(max, out[k]);
        }
        float total = 0;
        for (int k = 0; k < classes; k++) {
            out[k] = (float) Math.exp(out[k] - max);
            total += out[k];
        }
        for (int k = 0; k < classes; k++) {
            out[k] /= total;
        }
    }

    private static void adam(float[] param, float[] grad, float[] m, float[] v, float scale, float l2, double rate,
            long step) {
        double c1 = 1 - Math.pow(0.9, step);
        double c2 = 1 - Math.pow(0.999, step);
        for (int i = 0; i < param.length; i++) {
            float g = grad[i] * scale + l2 * param[i];
            m[i] = 0.9f * m[i] + 0.1f * g;
            v[i] = 0.999f * v[i] + 0.001f * g * g;
            param[i] -= (float) (rate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8));
        }
    }
}
