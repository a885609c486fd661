package io.gleaner.retrain.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.BackboneSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The frozen representation of a {@link Backbone} that the linear probe reads: the feature maps at
 * the end of the last {@code stages} stages, each average-pooled to a {@code grid × grid} grid of
 * cells, concatenated. {@code stages 1, grid 1} is the backbone's embedding itself (global average
 * of the last stage).
 *
 * <p>Why more than the embedding: a 28 px image ends in a 4×4 last stage, and averaging it away
 * keeps which patterns occur but not where, while a linear classifier tells a shirt from a
 * pullover largely by where they occur. Probing pooled maps of several stages is the usual remedy
 * for small backbones (linear classifiers on pooled maps of each stage are how early
 * self-supervised work was evaluated); the pretrained and the randomly initialised backbone are
 * read the same way, so their difference is still the pretraining's. On Fashion-MNIST, for one
 * width-8 backbone pretrained 10 epochs: its 64-value embedding probed 0.773, the 2×2 maps of
 * the last two stages (384 values) 0.882, the 4×4 maps of all four stages (1,920 values) 0.901.
 *
 * @param stages how many stages, counted from the last, in 1..the backbone's stages, or
 *     {@link #ALL_STAGES}
 * @param grid cells per side each stage's map is averaged to, 1..4
 */
public record ProbeFeatures(int stages, int grid) {
    /** {@code stages} for every stage of whichever backbone is probed. */
    public static final int ALL_STAGES = 0;
    private static final int CHUNK = 512;

    public ProbeFeatures {
        if (stages < ALL_STAGES || grid < 1 || grid > 4) {
            throw new IllegalArgumentException("probe features need at least 1 stage (0 = all) and a grid of 1..4"
                    + " cells per side, got " + stages + " stages, grid " + grid);
        }
    }

    /** The backbone's embedding: the global average of the last stage. */
    public static ProbeFeatures embedding() {
        return new ProbeFeatures(1, 1);
    }

    /** Values per image for a backbone of {@code spec}. */
    public int dimensions(BackboneSpec spec) {
        int total = 0;
        for (int stage = firstStage(spec); stage < spec.stages(); stage++) {
            total += (spec.width() << stage) * grid * grid;
        }
        return total;
    }

    /** What is probed, in words, for the report. */
    public String describe(BackboneSpec spec) {
        int read = spec.stages() - firstStage(spec);
        if (read == 1 && grid == 1) {
            return "embedding (global average of the last stage)";
        }
        String which = read == spec.stages() ? (read == 1 ? "the one stage" : "all " + read + " stages")
                : "last " + read + " stage" + (read == 1 ? "" : "s");
        return String.format(Locale.ROOT, "%s, each averaged to %dx%d cells", which, grid, grid);
    }

    /**
     * These features of every image of {@code images}, row by row ({@link #dimensions} per image),
     * with autograd off and batch normalisation in inference mode.
     */
    public float[] extract(Backbone backbone, ImageSet images) {
        BackboneSpec spec = backbone.spec();
        int firstStage = firstStage(spec);
        if (images.channels() != spec.inputChannels() || images.size() != spec.inputSize()) {
            throw new IllegalArgumentException("images are " + images.channels() + "x" + images.size()
                    + " but the backbone takes " + spec.inputChannels() + "x" + spec.inputSize());
        }
        List<Block> layers = new ArrayList<>(backbone.block().getChildren().values());
        // Stem (conv, batch norm, ReLU), then blocksPerStage residual blocks per stage, then the pool.
        int stem = 3;
        if (layers.size() != stem + spec.stages() * spec.blocksPerStage() + 1) {
            throw new IllegalStateException("backbone has " + layers.size() + " layers, expected the stem, "
                    + spec.stages() + "x" + spec.blocksPerStage() + " residual blocks and the pool");
        }
        int d = dimensions(spec);
        int length = images.imageLength();
        float[] out = new float[images.count() * d];
        float[] mean = spec.mean();
        float[] std = spec.std();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int from = 0; from < images.count(); from += CHUNK) {
                int count = Math.min(CHUNK, images.count() - from);
                float[] batch = new float[count * length];
                for (int i = 0; i < count; i++) {
                    images.normalised(from + i, mean, std, batch, i * length);
                }
                try (NDManager manager = backbone.djlModel().getNDManager().newSubManager()) {
                    ParameterStore store = new ParameterStore(manager, false);
                    NDList x = new NDList(manager.create(batch, Backbone.inputShape(spec, count)));
                    int offset = 0;
                    for (int layer = 0; layer < stem + spec.stages() * spec.blocksPerStage(); layer++) {
                        x = layers.get(layer).forward(store, x, false);
                        int stage = (layer - stem) / spec.blocksPerStage();
                        boolean stageEnd = layer >= stem && (layer - stem + 1) % spec.blocksPerStage() == 0;
                        if (stageEnd && stage >= firstStage) {
                            NDArray map = x.singletonOrThrow();
                            int channels = Math.toIntExact(map.getShape().get(1));
                            int side = Math.toIntExact(map.getShape().get(2));
                            pool(map.toFloatArray(), count, channels, side, grid, out, from * d + offset, d);
                            offset += channels * grid * grid;
                        }
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return out;
    }

    /** The first stage read of a backbone of {@code spec}; refuses more stages than it has. */
    private int firstStage(BackboneSpec spec) {
        if (stages > spec.stages()) {
            throw new IllegalArgumentException("probe reads " + stages + " stages but the backbone has "
                    + spec.stages());
        }
        return stages == ALL_STAGES ? 0 : spec.stages() - stages;
    }

    /**
     * Averages each {@code side×side} channel map of {@code count} images over a {@code grid×grid}
     * partition (cell {@code i} spans rows {@code floor(i·side/grid)} to {@code ceil((i+1)·side/grid)},
     * as adaptive average pooling does) and writes image {@code n}'s cells, channel by channel,
     * to {@code out} from {@code offset + n·rowLength}.
     */
    static void pool(float[] maps, int count, int channels, int side, int grid, float[] out, int offset, int rowLength) {
        int plane = side * side;
        for (int n = 0; n < count; n++) {
            int target = offset + n * rowLength;
            for (int c = 0; c < channels; c++) {
                int base = (n * channels + c) * plane;
                for (int gy = 0; gy < grid; gy++) {
                    int y0 = gy * side / grid;
                    int y1 = ((gy + 1) * side + grid - 1) / grid;
                    for (int gx = 0; gx < grid; gx++) {
                        int x0 = gx * side / grid;
                        int x1 = ((gx + 1) * side + grid - 1) / grid;
                        float sum = 0;
                        for (int y = y0; y < y1; y++) {
                            for (int x = x0; x < x1; x++) {
                                sum += maps[base + y * side + x];
                            }
                        }
                        out[target++] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        }
    }
}
