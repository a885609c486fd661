package io.gleaner.retrain.ssl;

import java.util.Objects;
import java.util.Random;

/**
 * Makes one random view of an image on the Java side, straight from its 8-bit samples into the
 * normalised float batch: random resized crop (bilinear) with optional horizontal flip, colour
 * jitter (brightness, contrast, saturation), grayscale, Gaussian blur, then {@code (v - mean)/std}.
 *
 * <p>Why Java and not NDArray ops: every view needs its own crop box, flip and factors, which as
 * tensor ops means several native calls per image (thousands per 512-view batch, each with JNI
 * and dispatch overhead), while the arithmetic is a few thousand multiply-adds per 28×28 view.
 * {@link Pretrainer} measures the split and prints it after every epoch ("augmentation N% of the
 * step time"); with a 28×28 batch of 256 images it is a few percent, so an NDArray path could save
 * at most that.
 *
 * <p>Hue jitter is not implemented: for the gray and near-gray frames this engine sees first it
 * is a no-op, and saturation jitter plus grayscale already break colour shortcuts.
 *
 * <p>Deterministic: the same {@link Random} state gives the same view. Not thread-safe (scratch
 * buffers); use one per thread.
 */
public final class Augmenter {
    private final AugmentationConfig config;
    private final int channels;
    private final int size;
    private final float[] mean;
    private final float[] std;
    private final float[] view;
    private final float[] scratch;

    public Augmenter(AugmentationConfig config, int channels, int size, float[] mean, float[] std) {
        this.config = Objects.requireNonNull(config, "config");
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + channels + ")");
        }
        this.channels = channels;
        this.size = size;
        this.mean = mean.clone();
        this.std = std.clone();
        this.view = new float[channels * size * size];
        this.scratch = new float[size * size];
    }

    /**
     * Writes a random view of image {@code index} of {@code images}, normalised, to {@code out}
     * from {@code offset} ({@code channels × size × size} floats).
     */
    public void view(ImageSet images, int index, Random random, float[] out, int offset) {
        if (images.channels() != channels || images.size() != size) {
            throw new IllegalArgumentException("augmenter is for " + channels + "x" + size + "x" + size
                    + " images, got " + images.channels() + "x" + images.size() + "x" + images.size());
        }
        cropAndFlip(images.pixels(), index * images.imageLength(), random);
        if (random.nextDouble() < config.jitterProbability()) {
            jitter(random);
        }
        if (channels == 3 && random.nextDouble() < config.grayscaleProbability()) {
            toGray();
        }
        if (random.nextDouble() < config.blurProbability()) {
            double sigma = config.blurSigmaMin() + random.nextDouble() * (config.blurSigmaMax() - config.blurSigmaMin());
            blur((float) sigma);
        }
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            float inverse = 1f / std[c];
            for (int p = 0; p < plane; p++) {
                out[offset + c * plane + p] = (view[c * plane + p] - mean[c]) * inverse;
            }
        }
    }

    private void cropAndFlip(byte[] pixels, int base, Random random) {
        double area = (double) size * size;
        double cropW = size;
        double cropH = size;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (config.cropScaleMin()
                    + random.nextDouble() * (config.cropScaleMax() - config.cropScaleMin()));
            double logRatio = Math.log(config.cropRatioMin())
                    + random.nextDouble() * (Math.log(config.cropRatioMax()) - Math.log(config.cropRatioMin()));
            double ratio = Math.exp(logRatio);
            double w = Math.sqrt(target * ratio);
            double h = Math.sqrt(target / ratio);
            if (w <= size && h <= size) {
                cropW = w;
                cropH = h;
                break;
            }
        }
        double x0 = random.nextDouble() * (size - cropW);
        double y0 = random.nextDouble() * (size - cropH);
        boolean flip = random.nextDouble() < config.flipProbability();
        int plane = size * size;
        double stepX = cropW / size;
        double stepY = cropH / size;
        for (int y = 0; y < size; y++) {
            double sy = Math.min(size - 1, Math.max(0, y0 + (y + 0.5) * stepY - 0.5));
            int y1 = (int) sy;
            int y2 = Math.min(size - 1, y1 + 1);
            float fy = (float) (sy - y1);
            for (int x = 0; x < size; x++) {
                int tx = flip ? size - 1 - x : x;
                double sx = Math.min(size - 1, Math.max(0, x0 + (tx + 0.5) * stepX - 0.5));
                int x1 = (int) sx;
                int x2 = Math.min(size - 1, x1 + 1);
                float fx = (float) (sx - x1);
                for (int c = 0; c < channels; c++) {
                    int b = base + c * plane;
                    float top = (pixels[b + y1 * size + x1] & 0xFF) * (1 - fx) + (pixels[b + y1 * size + x2] & 0xFF) * fx;
                    float bottom = (pixels[b + y2 * size + x1] & 0xFF) * (1 - fx) + (pixels[b + y2 * size + x2] & 0xFF) * fx;
                    view[c * plane + y * size + x] = (top * (1 - fy) + bottom * fy) / 255f;
                }
            }
        }
    }

    private void jitter(Random random) {
        float brightness = factor(random, config.brightness());
        float contrast = factor(random, config.contrast());
        float saturation = factor(random, config.saturation());
        int plane = size * size;
        int n = view.length;
        for (int i = 0; i < n; i++) {
            view[i] = clamp(view[i] * brightness);
        }
        float grayMean = 0;
        for (int p = 0; p < plane; p++) {
            grayMean += gray(p);
        }
        grayMean /= plane;
        for (int i = 0; i < n; i++) {
            view[i] = clamp((view[i] - grayMean) * contrast + grayMean);
        }
        if (channels == 3) {
            for (int p = 0; p < plane; p++) {
                float g = gray(p);
                for (int c = 0; c < 3; c++) {
                    view[c * plane + p] = clamp(g + (view[c * plane + p] - g) * saturation);
                }
            }
        }
    }

    private void toGray() {
        int plane = size * size;
        for (int p = 0; p < plane; p++) {
            float g = gray(p);
            view[p] = g;
            view[plane + p] = g;
            view[2 * plane + p] = g;
        }
    }

    /** Separable Gaussian blur of every channel, clamping at the edges; radius ceil(2 sigma). */
    private void blur(float sigma) {
        int radius = Math.max(1, (int) Math.ceil(2 * sigma));
        float[] kernel = new float[2 * radius + 1];
        float sum = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = (float) Math.exp(-(k * k) / (2.0 * sigma * sigma));
            sum += kernel[k + radius];
        }
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
        }
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            int b = c * plane;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++) {
                        int sx = Math.min(size - 1, Math.max(0, x + k));
                        acc += kernel[k + radius] * view[b + y * size + sx];
                    }
                    scratch[y * size + x] = acc;
                }
            }
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++) {
                        int sy = Math.min(size - 1, Math.max(0, y + k));
                        acc += kernel[k + radius] * scratch[sy * size + x];
                    }
                    view[b + y * size + x] = acc;
                }
            }
        }
    }

    private float gray(int p) {
        if (channels == 1) {
            return view[p];
        }
        int plane = size * size;
        return 0.299f * view[p] + 0.587f * view[plane + p] + 0.114f * view[2 * plane + p];
    }

    private static float factor(Random random, double strength) {
        return (float) (1 - strength + 2 * strength * random.nextDouble());
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }
}
