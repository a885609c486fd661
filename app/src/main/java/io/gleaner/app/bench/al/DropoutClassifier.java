package io.gleaner.app.bench.al;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Random;

/**
 * A small Fashion-MNIST classifier with dropout, trained from scratch on a handful of labels, that
 * gives the pool benchmark what its strategies need: class probabilities with dropout off, T
 * stochastic passes with dropout on (Monte-Carlo dropout, Gal &amp; Ghahramani 2016), and the
 * penultimate layer as an embedding. A multilayer perceptron (784-256-128-10, dropout 0.25 and
 * 0.5) rather than the paper's CNN, because on two CPU cores the benchmark retrains it some 300
 * times and scores the pool T times per round.
 *
 * <p>Owns its native parameters: close it. Not thread-safe.
 */
final class DropoutClassifier implements AutoCloseable {
    private static final int HIDDEN = 256;
    /** Width of the embedding the core-set strategy works on. */
    static final int EMBEDDING = 128;
    private static final int CHUNK = 2048;

    private final Model model;
    private final Block features;
    private final Block head;

    private DropoutClassifier(Model model, Block features, Block head) {
        this.model = model;
        this.features = features;
        this.head = head;
    }

    /**
     * Trains a fresh network on {@code data.pixels[i]} for each {@code i} in {@code labeled}: Adam
     * with weight decay, mini-batches drawn by reshuffling the labeled set, {@code trainSteps}
     * updates with the learning rate cosine-decayed to 0. With a fixed rate the last iterate's
     * test accuracy swung by ±0.02 from one retraining to the next, enough to bury the gap between
     * strategies; the decay settles the weights, and lifted every curve (random at 1,020 labels
     * from 0.77 to 0.79). The initial weights, the shuffles and the dropout masks all follow
     * {@code seed}.
     */
    static DropoutClassifier train(FashionMnistArrays data, int[] labeled, PoolConfig config, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        Block features = new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation.reluBlock())
                .add(Dropout.builder().optRate(0.25f).build())
                .add(Linear.builder().setUnits(EMBEDDING).build())
                .add(Activation.reluBlock());
        Block head = new SequentialBlock()
                .add(Dropout.builder().optRate(0.5f).build())
                .add(Linear.builder().setUnits(FashionMnistArrays.CLASSES).build());
        Model model = Model.newInstance("bench-al-mlp", "PyTorch");
        model.setBlock(new SequentialBlock().add(features).add(head));
        DropoutClassifier classifier = new DropoutClassifier(model, features, head);
        try {
            classifier.fit(data, labeled, config, seed);
            return classifier;
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
    }

    private void fit(FashionMnistArrays data, int[] labeled, PoolConfig config, long seed) {
        DefaultTrainingConfig training = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optDevices(new Device[] {model.getNDManager().getDevice()})
                .optOptimizer(Optimizer.adam()
                        .optLearningRateTracker(Tracker.cosine()
                                .setBaseValue(config.learningRate())
                                .optFinalValue(0f)
                                .setMaxUpdates(config.trainSteps())
                                .build())
                        .optWeightDecays(config.weightDecay())
                        .build());
        Random shuffle = new Random(seed);
        int[] order = labeled.clone();
        int batch = Math.min(config.batchSize(), order.length);
        try (Trainer trainer = model.newTrainer(training)) {
            trainer.initialize(new Shape(batch, FashionMnistArrays.PIXELS));
            int cursor = order.length;
            for (int step = 0; step < config.trainSteps(); step++) {
                float[] x = new float[batch * FashionMnistArrays.PIXELS];
                float[] y = new float[batch];
                for (int i = 0; i < batch; i++) {
                    if (cursor == order.length) {
                        shuffle(order, shuffle);
                        cursor = 0;
                    }
                    int index = order[cursor++];
                    System.arraycopy(data.pixels()[index], 0, x, i * FashionMnistArrays.PIXELS, FashionMnistArrays.PIXELS);
                    y[i] = data.labels()[index];
                }
                try (NDManager batchManager = trainer.getManager().newSubManager()) {
                    NDList inputs = new NDList(batchManager.create(x, new Shape(batch, FashionMnistArrays.PIXELS)));
                    NDList targets = new NDList(batchManager.create(y, new Shape(batch)));
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(inputs, targets);
                        collector.backward(trainer.getLoss().evaluate(targets, out));
                    }
                    trainer.step();
                }
            }
        }
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    /** Softmax probabilities with dropout off, one row per index. */
    float[][] probabilities(FashionMnistArrays data, int[] indices) {
        float[][] out = new float[indices.length][];
        forEachChunk(data, indices, (manager, x, from) -> {
            NDArray p = forward(manager, x, false).softmax(1);
            copyRows(p.toFloatArray(), FashionMnistArrays.CLASSES, out, from);
        });
        return out;
    }

    /**
     * {@code passes} softmax samples per index with dropout on: {@code out[i][t][c]}, sample t's
     * probability of class c for image {@code indices[i]}, as {@code PosteriorSamples} takes them.
     */
    float[][][] dropoutSamples(FashionMnistArrays data, int[] indices, int passes) {
        float[][][] out = new float[indices.length][passes][];
        forEachChunk(data, indices, (manager, x, from) -> {
            for (int t = 0; t < passes; t++) {
                float[] p = forward(manager, x, true).softmax(1).toFloatArray();
                int rows = p.length / FashionMnistArrays.CLASSES;
                for (int r = 0; r < rows; r++) {
                    float[] row = new float[FashionMnistArrays.CLASSES];
                    System.arraycopy(p, r * FashionMnistArrays.CLASSES, row, 0, FashionMnistArrays.CLASSES);
                    out[from + r][t] = row;
                }
            }
        });
        return out;
    }

    /** The penultimate layer with dropout off, {@value #EMBEDDING} floats per index. */
    float[][] embeddings(FashionMnistArrays data, int[] indices) {
        float[][] out = new float[indices.length][];
        forEachChunk(data, indices, (manager, x, from) -> {
            NDArray e = features.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            copyRows(e.toFloatArray(), EMBEDDING, out, from);
        });
        return out;
    }

    /** Share of {@code indices} whose most probable class is the label. */
    double accuracy(FashionMnistArrays data, int[] indices) {
        float[][] p = probabilities(data, indices);
        int correct = 0;
        for (int i = 0; i < indices.length; i++) {
            int best = 0;
            for (int c = 1; c < p[i].length; c++) {
                if (p[i][c] > p[i][best]) {
                    best = c;
                }
            }
            if (best == data.labels()[indices[i]]) {
                correct++;
            }
        }
        return correct / (double) indices.length;
    }

    private NDArray forward(NDManager manager, NDArray x, boolean dropout) {
        ParameterStore store = new ParameterStore(manager, false);
        NDList hidden = features.forward(store, new NDList(x), dropout);
        return head.forward(store, hidden, dropout).singletonOrThrow();
    }

    private interface ChunkAction {
        void accept(NDManager manager, NDArray x, int from);
    }

    private void forEachChunk(FashionMnistArrays data, int[] indices, ChunkAction action) {
        // Autograd is on for every thread but the one that started the engine: no graph for inference.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int from = 0; from < indices.length; from += CHUNK) {
                int rows = Math.min(CHUNK, indices.length - from);
                float[] x = new float[rows * FashionMnistArrays.PIXELS];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(data.pixels()[indices[from + r]], 0, x, r * FashionMnistArrays.PIXELS,
                            FashionMnistArrays.PIXELS);
                }
                try (NDManager chunkManager = model.getNDManager().newSubManager()) {
                    action.accept(chunkManager, chunkManager.create(x, new Shape(rows, FashionMnistArrays.PIXELS)), from);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static void copyRows(float[] flat, int width, float[][] out, int from) {
        int rows = flat.length / width;
        for (int r = 0; r < rows; r++) {
            float[] row = new float[width];
            System.arraycopy(flat, r * width, row, 0, width);
            out[from + r] = row;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
