package io.gleaner.retrain.ssl;

import java.util.Objects;

/**
 * Unlabeled square images held in memory as 8-bit samples, image after image, each {@code C×S×S}
 * (channel planes, rows, columns). Sixty thousand 28×28 gray frames take 47 MB.
 *
 * @param name what the images are, as the manifest records it ({@code fashion-mnist:train})
 * @param count number of images
 * @param channels 1 (gray) or 3 (RGB)
 * @param size width and height in pixels
 * @param pixels {@code count × channels × size × size} samples, 0..255 as unsigned bytes
 */
public record ImageSet(String name, int count, int channels, int size, byte[] pixels) {
    public ImageSet {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pixels, "pixels");
        if (count <= 0) {
            throw new IllegalArgumentException("image set '" + name + "' is empty; pretraining needs images");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("image set '" + name + "' has " + channels + " channels; use 1 or 3");
        }
        if ((long) count * channels * size * size != pixels.length) {
            throw new IllegalArgumentException("image set '" + name + "': " + count + " images of " + channels + "x"
                    + size + "x" + size + " need " + (long) count * channels * size * size + " bytes, got " + pixels.length);
        }
    }

    /** Samples per image: {@code channels × size × size}. */
    public int imageLength() {
        return channels * size * size;
    }

    /** The first {@code limit} images (all when {@code limit} is at least {@link #count}). */
    public ImageSet first(int limit) {
        if (limit >= count) {
            return this;
        }
        if (limit <= 0) {
            throw new IllegalArgumentException("limit " + limit + " must be positive");
        }
        byte[] head = new byte[limit * imageLength()];
        System.arraycopy(pixels, 0, head, 0, head.length);
        return new ImageSet(name + "[0.." + limit + ")", limit, channels, size, head);
    }

    /** Per-channel mean of the samples scaled to [0,1]. */
    public float[] channelMean() {
        double[] sums = new double[channels];
        int plane = size * size;
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < channels; c++) {
                int base = i * imageLength() + c * plane;
                long sum = 0;
                for (int p = 0; p < plane; p++) {
                    sum += pixels[base + p] & 0xFF;
                }
                sums[c] += sum;
            }
        }
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (sums[c] / ((double) count * plane * 255.0));
        }
        return mean;
    }

    /** Per-channel standard deviation of the samples scaled to [0,1]; at least 1e-3. */
    public float[] channelStd() {
        float[] mean = channelMean();
        double[] sums = new double[channels];
        int plane = size * size;
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < channels; c++) {
                int base = i * imageLength() + c * plane;
                for (int p = 0; p < plane; p++) {
                    double d = (pixels[base + p] & 0xFF) / 255.0 - mean[c];
                    sums[c] += d * d;
                }
            }
        }
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            std[c] = (float) Math.max(1e-3, Math.sqrt(sums[c] / ((double) count * plane)));
        }
        return std;
    }

    /**
     * Image {@code index} scaled to [0,1] and normalised, {@code (v/255 - mean)/std}, written to
     * {@code out} from {@code offset}.
     */
    public void normalised(int index, float[] mean, float[] std, float[] out, int offset) {
        int plane = size * size;
        int base = index * imageLength();
        for (int c = 0; c < channels; c++) {
            float scale = 1f / (255f * std[c]);
            float shift = -mean[c] / std[c];
            for (int p = 0; p < plane; p++) {
                out[offset + c * plane + p] = (pixels[base + c * plane + p] & 0xFF) * scale + shift;
            }
        }
    }
}
