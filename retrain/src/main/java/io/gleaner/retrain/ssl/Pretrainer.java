package io.gleaner.retrain.ssl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import io.gleaner.retrain.LearningRateSchedule;
import io.gleaner.retrain.ResumableAdam;
import io.gleaner.retrain.TrainingCheckpoint;
import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.BackboneSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Pretrains a {@link Backbone} self-supervised on unlabeled images: each step takes a batch of
 * images, makes two augmented views of each ({@link Augmenter}), runs both through backbone and
 * projector in one forward pass, and applies the method's loss ({@link NtXentLoss} or
 * {@link VicRegLoss}) with {@link ResumableAdam}. The projector is thrown away at the end.
 *
 * <p>After every epoch it embeds the first {@code monitorImages} images (not augmented), logs the
 * embeddings' normalised std and effective rank, stops with a {@link CollapseException} when
 * either falls below the config's threshold, and otherwise writes a {@link TrainingCheckpoint}.
 * A run given a checkpoint folder that already holds a checkpoint of the same config, data and
 * spec goes on after its last epoch.
 *
 * <p>Resuming gives the same parameters as an uninterrupted run, bit for bit, on the same machine
 * and thread count: shuffling and augmentation draw from a {@link Random} seeded per epoch and per
 * batch (not from a stream that would have to be saved), the checkpoint holds every parameter,
 * batch-norm statistic and optimiser moment as raw float32, and nothing else is random.
 * Another thread count or CPU may pick other kernels, whose float sums differ in the last bits.
 *
 * <p>A step whose loss is not finite is skipped (counted in the epoch line); five in a row stop
 * training as diverged, with an error that says what to lower. It is a safety net for a learning
 * rate too high for the data (see {@link PretrainConfig#defaults}); the NaN steps the test suite
 * once saw were freed loss constants (issue 4, see {@link SslObjective}).
 *
 * <p>Each batch's tensors live in their own {@code NDManager} under the trainer's, closed after the
 * step (tensors left on the trainer's manager leak about 100 MB per step).
 */
public final class Pretrainer {
    private static final int PROGRESS_LINES_PER_EPOCH = 5;
    /** Non-finite losses in a row after which training is declared diverged. */
    private static final int MAX_NON_FINITE_IN_A_ROW = 5;
    private static final float CLIP_GRADIENT = 1f;

    /** What a pretraining checkpoint records besides the tensors (see {@link TrainingCheckpoint}). */
    record Progress(String fingerprint, int completedEpochs, long updates, double trainSeconds,
            List<EpochRecord> epochs) {}

    private Pretrainer() {}

    /**
     * Pretrains a backbone of {@code spec} on {@code images}.
     *
     * @param checkpointDir where to write checkpoints and resume from; null for none
     * @throws CollapseException when the representation collapses
     * @throws IllegalArgumentException when the images do not fit the spec or there are fewer images
     *     than one batch, or the checkpoint folder holds another run's checkpoint
     */
    public static PretrainResult run(ImageSet images, BackboneSpec spec, PretrainConfig config, Path checkpointDir,
            PretrainListener listener) {
        return run(images, spec, config, checkpointDir, listener, null);
    }

    /**
     * Pretrains as {@link #run(ImageSet, BackboneSpec, PretrainConfig, Path, PretrainListener)}, but
     * stops early, after a whole epoch and its checkpoint, when one more epoch as long as the last
     * would end past {@code timeBudget} of training time (counted across resumed runs). The learning
     * rate then has not finished its cosine decay; the result holds the epochs that ran.
     *
     * @param timeBudget most training time to spend; null for no limit
     */
    public static PretrainResult run(ImageSet images, BackboneSpec spec, PretrainConfig config, Path checkpointDir,
            PretrainListener listener, Duration timeBudget) {
        Objects.requireNonNull(listener, "listener");
        if (images.channels() != spec.inputChannels() || images.size() != spec.inputSize()) {
            throw new IllegalArgumentException("images are " + images.channels() + "x" + images.size() + "x"
                    + images.size() + " but the backbone takes " + spec.inputChannels() + "x" + spec.inputSize() + "x"
                    + spec.inputSize() + "; read them at the backbone's size");
        }
        if (images.count() < config.batchSize()) {
            throw new IllegalArgumentException(images.count() + " images are fewer than one batch of "
                    + config.batchSize() + "; lower the batch size or add images");
        }
        String fingerprint = config.fingerprint() + " | " + spec.inputChannels() + "x" + spec.inputSize()
                + " " + spec.architectureOptions() + " | " + images.name() + " n=" + images.count();
        Optional<Progress> previous = checkpointDir == null
                ? Optional.empty() : TrainingCheckpoint.progress(checkpointDir, Progress.class);
        if (previous.isPresent() && !previous.get().fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("checkpoint in " + checkpointDir + " is of another run:\n  "
                    + previous.get().fingerprint() + "\nthis run is\n  " + fingerprint
                    + "\nuse another --checkpoint-dir or delete that one to start over");
        }

        Backbone backbone = Backbone.create(spec, config.seed());
        try {
            return train(images, spec, config, checkpointDir, listener, fingerprint, previous, backbone,
                    timeBudget == null ? Double.POSITIVE_INFINITY : timeBudget.toMillis() / 1000.0);
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    private static PretrainResult train(ImageSet images, BackboneSpec spec, PretrainConfig config, Path checkpointDir,
            PretrainListener listener, String fingerprint, Optional<Progress> previous,
            Backbone backbone, double budgetSeconds) {
        int stepsPerEpoch = images.count() / config.batchSize();
        long totalSteps = (long) stepsPerEpoch * config.epochs();
        Block projector = projector(config);
        SequentialBlock network = new SequentialBlock().add(backbone.block()).add(projector);
        try (Model trainModel = Model.newInstance(spec.modelName() + "-ssl", "PyTorch")) {
            trainModel.setBlock(network);
            projector.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
            Engine.getEngine("PyTorch").setRandomSeed(Long.hashCode(config.seed() ^ 0x5EEDL));
            network.initialize(trainModel.getNDManager(), DataType.FLOAT32, Backbone.inputShape(spec, 2));
            List<TrainingCheckpoint.Part> parts = List.of(
                    new TrainingCheckpoint.Part(backbone.block(), backbone.djlModel().getNDManager()),
                    new TrainingCheckpoint.Part(projector, trainModel.getNDManager()));
            List<String> trainableIds = new ArrayList<>();
            network.getParameters().forEach(p -> {
                if (p.getValue().requiresGradient()) {
                    trainableIds.add(p.getValue().getId());
                }
            });

            // Gradient elements are clipped to [-CLIP_GRADIENT, CLIP_GRADIENT] before the update.
            ResumableAdam optimizer = new ResumableAdam(trainModel.getNDManager(), new LearningRateSchedule(
                    (float) config.learningRate(), 0f, Math.round(totalSteps * config.warmupFraction()),
                    Math.max(1, totalSteps)), (float) config.weightDecay(), CLIP_GRADIENT);
            List<EpochRecord> records = new ArrayList<>();
            double trainSeconds = 0;
            int firstEpoch = 1;
            if (previous.isPresent()) {
                Progress progress = previous.get();
                NDList state = TrainingCheckpoint.restore(checkpointDir, parts, trainModel.getNDManager());
                optimizer.restore(trainableIds, state, progress.updates());
                records.addAll(progress.epochs());
                trainSeconds = progress.trainSeconds();
                firstEpoch = progress.completedEpochs() + 1;
                listener.progress(String.format(Locale.ROOT, "resuming %s after epoch %d of %d from %s",
                        config.method().id(), progress.completedEpochs(), config.epochs(), checkpointDir));
            }

            // After a restore too: loaded arrays do not record gradients until unfrozen.
            network.freezeParameters(false, p -> p.getType() != Parameter.Type.RUNNING_MEAN
                    && p.getType() != Parameter.Type.RUNNING_VAR);
            DefaultTrainingConfig trainingConfig =
                    // The SSL loss is computed on the two views below; the trainer's loss is never evaluated.
                    new DefaultTrainingConfig(Loss.l2Loss())
                            .optDevices(new Device[] {trainModel.getNDManager().getDevice()})
                            .optOptimizer(optimizer);
            SslObjective objective = config.objective();
            Augmenter augmenter = new Augmenter(config.augmentation(), spec.inputChannels(), spec.inputSize(),
                    spec.mean(), spec.std());
            int viewLength = images.imageLength();
            float[] views = new float[2 * config.batchSize() * viewLength];
            try (Trainer trainer = trainModel.newTrainer(trainingConfig)) {
                for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
                    long started = System.nanoTime();
                    int[] order = permutation(images.count(), new Random(mix(config.seed(), epoch, -1)));
                    double lossSum = 0;
                    long augmentNanos = 0;
                    int skipped = 0;
                    int nonFiniteInARow = 0;
                    for (int step = 0; step < stepsPerEpoch; step++) {
                        Random random = new Random(mix(config.seed(), epoch, step));
                        int b = config.batchSize();
                        long augmentStarted = System.nanoTime();
                        for (int i = 0; i < b; i++) {
                            int index = order[step * b + i];
                            augmenter.view(images, index, random, views, i * viewLength);
                            augmenter.view(images, index, random, views, (b + i) * viewLength);
                        }
                        augmentNanos += System.nanoTime() - augmentStarted;
                        float loss = step(trainer, objective, views, Backbone.inputShape(spec, 2 * b), b);
                        if (Float.isNaN(loss)) {
                            skipped++;
                            if (++nonFiniteInARow >= MAX_NON_FINITE_IN_A_ROW) {
                                throw new IllegalStateException("pretraining loss was not finite " + nonFiniteInARow
                                        + " steps in a row (epoch " + epoch + ", step " + (step + 1) + "): training"
                                        + " diverged; lower the learning rate (--lr), or for SimCLR raise the temperature");
                            }
                        } else {
                            nonFiniteInARow = 0;
                            lossSum += loss;
                        }
                        int every = Math.max(1, stepsPerEpoch / PROGRESS_LINES_PER_EPOCH);
                        if ((step + 1) % every == 0 || step + 1 == stepsPerEpoch) {
                            double seconds = (System.nanoTime() - started) / 1e9;
                            double perStep = seconds / (step + 1);
                            long stepsLeft = (long) (config.epochs() - epoch) * stepsPerEpoch + stepsPerEpoch - step - 1;
                            listener.progress(String.format(Locale.ROOT,
                                    "%s epoch %d/%d %3d%% loss %.4f %.0f images/s ETA %s", config.method().id(), epoch,
                                    config.epochs(), 100 * (step + 1) / stepsPerEpoch, lossSum / Math.max(1, step + 1 - skipped),
                                    (step + 1) * b / Math.max(seconds, 1e-9), duration(stepsLeft * perStep)));
                        }
                    }
                    double stepSeconds = (System.nanoTime() - started) / 1e9;
                    EmbeddingStats stats = monitor(backbone, images, config.monitorImages(), spec);
                    EpochRecord record = new EpochRecord(epoch, lossSum / Math.max(1, stepsPerEpoch - skipped), stats.std(),
                            stats.effectiveRank(), (double) stepsPerEpoch * config.batchSize() / stepSeconds,
                            stepSeconds);
                    listener.progress(String.format(Locale.ROOT,
                            "%s epoch %d/%d done: loss %.4f, embedding std %.3f, effective rank %.1f of %d, %.0f images/s,"
                                    + " augmentation %.1f%% of the step time, %d steps skipped (loss not finite)",
                            config.method().id(), epoch, config.epochs(), record.loss(), stats.std(),
                            stats.effectiveRank(), stats.dimensions(), record.imagesPerSecond(),
                            100.0 * augmentNanos / 1e9 / stepSeconds, skipped));
                    checkCollapse(config, epoch, stats);
                    records.add(record);
                    trainSeconds += (System.nanoTime() - started) / 1e9;
                    if (checkpointDir != null) {
                        TrainingCheckpoint.save(checkpointDir, epoch, new Progress(fingerprint, epoch,
                                optimizer.updateCount(), trainSeconds, records), parts, optimizer.state(trainableIds));
                    }
                    listener.epochDone(record);
                    double epochSeconds = (System.nanoTime() - started) / 1e9;
                    if (epoch < config.epochs() && trainSeconds + epochSeconds > budgetSeconds) {
                        listener.progress(String.format(Locale.ROOT, "stopping after epoch %d of %d: %.0f s trained,"
                                        + " another epoch (%.0f s) would pass the time budget of %.0f s",
                                epoch, config.epochs(), trainSeconds, epochSeconds, budgetSeconds));
                        break;
                    }
                }
            }
            return new PretrainResult(backbone, records, trainSeconds, firstEpoch - 1);
        }
    }

    /**
     * One optimiser step; returns the loss, or NaN without updating anything when the loss is not
     * finite (the batch is skipped, as mixed-precision trainers skip overflowing steps).
     */
    private static float step(Trainer trainer, SslObjective objective, float[] views, Shape shape, int batch) {
        try (NDManager batchManager = trainer.getManager().newSubManager()) {
            NDArray x = batchManager.create(views, shape);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray z = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray value = objective.loss(z.get("0:" + batch), z.get(batch + ":"));
                float loss = value.getFloat();
                if (!Float.isFinite(loss)) {
                    return Float.NaN;
                }
                collector.backward(value);
                trainer.step();
                return loss;
            }
        }
    }

    private static EmbeddingStats monitor(Backbone backbone, ImageSet images, int monitorImages, BackboneSpec spec) {
        int n = Math.min(monitorImages, images.count());
        int length = images.imageLength();
        float[] mean = spec.mean();
        float[] std = spec.std();
        float[] embeddings = new float[n * spec.embeddingSize()];
        int chunk = 256;
        float[] batch = new float[chunk * length];
        for (int from = 0; from < n; from += chunk) {
            int count = Math.min(chunk, n - from);
            float[] input = count == chunk ? batch : new float[count * length];
            for (int i = 0; i < count; i++) {
                images.normalised(from + i, mean, std, input, i * length);
            }
            float[] out = backbone.embed(input, count);
            System.arraycopy(out, 0, embeddings, from * spec.embeddingSize(), out.length);
        }
        return EmbeddingStats.of(embeddings, n, spec.embeddingSize());
    }

    static void checkCollapse(PretrainConfig config, int epoch, EmbeddingStats stats) {
        if (stats.effectiveRank() < config.minEffectiveRank() || stats.std() < config.minStd()) {
            throw new CollapseException(String.format(Locale.ROOT,
                    "representation collapsed after epoch %d: effective rank %.2f of %d (minimum %.2f), normalised "
                            + "std %.4f (minimum %.4f); the embeddings no longer tell images apart. Lower the learning "
                            + "rate, raise the batch size, or for VICReg raise the variance weight; the checkpoint of "
                            + "the last healthy epoch is kept", epoch, stats.effectiveRank(), stats.dimensions(),
                    config.minEffectiveRank(), stats.std(), config.minStd()), epoch, stats);
        }
    }

    /** Linear, batch norm, ReLU, linear: SimCLR's projection head. */
    private static Block projector(PretrainConfig config) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(config.projectorHidden()).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(config.projectorOutput()).build());
    }

    private static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A seed for one epoch's shuffle ({@code step} -1) or one step's views, fixed by the run's seed. */
    private static long mix(long seed, int epoch, int step) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + step * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return h * 0xD6E8FEB86659FD93L;
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
