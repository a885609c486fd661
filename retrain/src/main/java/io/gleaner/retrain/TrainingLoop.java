package io.gleaner.retrain;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelManifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop every way of training a {@link DrivingModel} shares: Adam
 * ({@link ResumableAdam}) over the whole block with a cosine-decaying learning rate,
 * {@link DrivingLoss}, a shuffle seeded from the config, one progress line per epoch with
 * the ETA.
 *
 * <p>Given a {@link Checkpoints} folder, every epoch ends with a {@link TrainingCheckpoint}, and a
 * run that finds one of the same run (same fingerprint) goes on after its last epoch: resumed, it
 * ends with the same weights as an uninterrupted run, bit for bit on the same machine and thread
 * count, since the checkpoint holds every parameter and optimiser moment and the resumed run
 * replays the shuffles of the epochs it skips (training draws no other random numbers: dropout is
 * only used when scoring). A checkpoint of another run is deleted, with an INFO
 * line, and training starts over: the runs are automated, so a stale checkpoint must not stop them.
 *
 * <p>Each batch lives in its own {@code NDManager} below the trainer's and is closed after the
 * step: tensors left on the trainer's manager leak about 100 MB per step.
 */
public final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    /**
     * The learning rate falls along a cosine from the configured rate to this share of it at the
     * last step, so a run does not stop in the middle of a jump. Measured on the fleet simulator
     * (seed model, 1,000 frames × 4 epochs): common-scenario action error 0.130 at a fixed rate,
     * 0.106 decayed; on a fine-tune of 43 rare-heavy labels it did not help (golden set 0.128 at a
     * fixed rate from the first seed, 0.135 decayed from the second).
     */
    static final float FINAL_LEARNING_RATE_SHARE = 0.01f;

    private TrainingLoop() {}

    /**
     * Where a run writes its checkpoints and which run it is.
     *
     * @param dir the run's own checkpoint folder
     * @param fingerprint every input that changes the result (parent, data, config), as one string:
     *     only a checkpoint with the same fingerprint is resumed
     */
    public record Checkpoints(Path dir, String fingerprint) {
        public Checkpoints {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(fingerprint, "fingerprint");
        }
    }

    /** What a fine-tuning checkpoint records besides the tensors (see {@link TrainingCheckpoint}). */
    record Progress(String fingerprint, int completedEpochs, long updates, List<Double> epochLosses,
            double trainSeconds) {}

    /** As {@link #fit(DrivingModel, List, TrainingConfig, Checkpoints)} without checkpoints. */
    public static TrainingReport fit(DrivingModel model, List<TrainingExample> examples, TrainingConfig config) {
        return fit(model, examples, config, null);
    }

    /**
     * Trains {@code model} in place on {@code examples}, resuming from and writing to
     * {@code checkpoints} when it is not null.
     *
     * @throws IllegalArgumentException when there are no examples, or an input does not have the
     *     model's C×H×W size, or a scene index is not one of the model's classes
     */
    public static TrainingReport fit(DrivingModel model, List<TrainingExample> examples, TrainingConfig config,
            Checkpoints checkpoints) {
        return fit(model, examples, config, checkpoints, epoch -> { });
    }

    /** As the public {@code fit}, calling {@code epochDone} after each epoch and its checkpoint. */
    static TrainingReport fit(DrivingModel model, List<TrainingExample> examples, TrainingConfig config,
            Checkpoints checkpoints, IntConsumer epochDone) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples for model " + model.manifest().modelName()
                    + "; collect frames or labels before training");
        }
        ModelManifest manifest = model.manifest();
        int channels = manifest.inputChannels();
        int height = manifest.inputHeight();
        int width = manifest.inputWidth();
        int inputSize = channels * height * width;
        int classes = manifest.sceneClasses().size();
        for (TrainingExample example : examples) {
            if (example.input().length != inputSize) {
                throw new IllegalArgumentException("training input has " + example.input().length
                        + " floats; model " + manifest.modelName() + " takes " + channels + "x" + height + "x"
                        + width + " = " + inputSize + "; preprocess images with DrivingModel.preprocess");
            }
            if (example.sceneIndex() >= classes) {
                throw new IllegalArgumentException("scene index " + example.sceneIndex() + " is out of range: the model has "
                        + classes + " scene classes " + manifest.sceneClasses());
            }
        }

        Model djlModel = model.djlModel();
        List<TrainingCheckpoint.Part> network = List.of(
                new TrainingCheckpoint.Part(djlModel.getBlock(), djlModel.getNDManager()));
        int stepsPerEpoch = (examples.size() + config.batchSize() - 1) / config.batchSize();
        List<Double> epochLosses = new ArrayList<>();
        double trainSeconds = 0;
        int firstEpoch = 1;
        try (NDManager optimizerState = djlModel.getNDManager().newSubManager()) {
            ResumableAdam optimizer = new ResumableAdam(optimizerState, new LearningRateSchedule(config.learningRate(),
                    FINAL_LEARNING_RATE_SHARE, 0, (long) config.epochs() * stepsPerEpoch), 0f, Float.POSITIVE_INFINITY);
            List<String> trainableIds = unfreeze(djlModel, config.scope());
            Optional<Progress> previous = previousRun(checkpoints);
            if (previous.isPresent()) {
                Progress progress = previous.get();
                NDList state = TrainingCheckpoint.restore(checkpoints.dir(), network, optimizerState);
                optimizer.restore(trainableIds, state, progress.updates());
                epochLosses.addAll(progress.epochLosses());
                trainSeconds = progress.trainSeconds();
                firstEpoch = progress.completedEpochs() + 1;
                LOG.info("model {}: resuming training after epoch {} of {} from {}", manifest.modelName(),
                        progress.completedEpochs(), config.epochs(), checkpoints.dir());
            }
            // Again after a restore: loaded parameters do not record gradients.
            unfreeze(djlModel, config.scope());
            DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(new DrivingLoss(config.sceneLossWeight()))
                    .optDevices(new Device[] {djlModel.getNDManager().getDevice()})
                    .optOptimizer(optimizer);
            Engine.getInstance().setRandomSeed((int) config.seed());
            // One shuffle stream over the whole run; a resumed run replays the epochs it skips.
            Random shuffle = new Random(config.seed());
            List<TrainingExample> order = new ArrayList<>(examples);
            for (int skipped = 1; skipped < firstEpoch; skipped++) {
                Collections.shuffle(order, shuffle);
            }
            try (Trainer trainer = djlModel.newTrainer(trainingConfig)) {
                for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
                    long epochStarted = System.nanoTime();
                    Collections.shuffle(order, shuffle);
                    double lossSum = 0;
                    for (int from = 0; from < order.size(); from += config.batchSize()) {
                        List<TrainingExample> batch = order.subList(from, Math.min(order.size(), from + config.batchSize()));
                        lossSum += step(trainer, batch, channels, height, width, classes) * batch.size();
                    }
                    double epochLoss = lossSum / order.size();
                    epochLosses.add(epochLoss);
                    double epochSeconds = (System.nanoTime() - epochStarted) / 1e9;
                    trainSeconds += epochSeconds;
                    if (checkpoints != null) {
                        TrainingCheckpoint.save(checkpoints.dir(), epoch, new Progress(checkpoints.fingerprint(), epoch,
                                optimizer.updateCount(), epochLosses, trainSeconds), network,
                                optimizer.state(trainableIds));
                    }
                    double imagesPerSecond = order.size() / Math.max(epochSeconds, 1e-9);
                    double etaSeconds = epochSeconds * (config.epochs() - epoch);
                    LOG.info(String.format("model %s epoch %d/%d: loss %.4f, %.1f images/s, ETA %.0f s",
                            manifest.modelName(), epoch, config.epochs(), epochLoss, imagesPerSecond, etaSeconds));
                    epochDone.accept(epoch);
                }
            }
        }
        int epochsRun = config.epochs() - firstEpoch + 1;
        double imagesPerSecond = (double) examples.size() * epochsRun / Math.max(trainSeconds, 1e-9);
        return new TrainingReport(examples.size(), epochLosses, imagesPerSecond,
                Duration.ofNanos(Math.round(trainSeconds * 1e9)), firstEpoch - 1);
    }

    /** The checkpoint of this run in {@code checkpoints}, if any; a checkpoint of another run is deleted. */
    private static Optional<Progress> previousRun(Checkpoints checkpoints) {
        if (checkpoints == null) {
            return Optional.empty();
        }
        Optional<Progress> found = TrainingCheckpoint.progress(checkpoints.dir(), Progress.class);
        if (found.isPresent() && !found.get().fingerprint().equals(checkpoints.fingerprint())) {
            LOG.info("the checkpoint in {} is of another run (its data, parent or config differ); starting over",
                    checkpoints.dir());
            TrainingCheckpoint.delete(checkpoints.dir());
            return Optional.empty();
        }
        return found;
    }

    /**
     * Lets the parameters in {@code scope} record gradients and freezes the rest (BatchNorm's running
     * statistics always); returns the ids of those that train, which the optimizer keeps moments for.
     */
    private static List<String> unfreeze(Model djlModel, FineTuneScope scope) {
        Predicate<Parameter> learned = parameter -> parameter.getType() != Parameter.Type.RUNNING_MEAN
                && parameter.getType() != Parameter.Type.RUNNING_VAR;
        djlModel.getBlock().freezeParameters(false, learned);
        scope.freezeOutside(djlModel.getBlock());
        List<String> ids = new ArrayList<>();
        djlModel.getBlock().getParameters().forEach(pair -> {
            if (learned.test(pair.getValue()) && pair.getValue().requiresGradient()) {
                ids.add(pair.getValue().getId());
            }
        });
        return ids;
    }


    private static double step(Trainer trainer, List<TrainingExample> batch, int channels, int height, int width,
            int classes) {
        int size = batch.size();
        int inputSize = channels * height * width;
        float[] inputs = new float[size * inputSize];
        float[] actions = new float[size * 2];
        float[] sceneOneHot = new float[size * classes];
        for (int i = 0; i < size; i++) {
            TrainingExample example = batch.get(i);
            System.arraycopy(example.input(), 0, inputs, i * inputSize, inputSize);
            actions[i * 2] = example.steering();
            actions[i * 2 + 1] = example.acceleration();
            if (example.hasScene()) {
                sceneOneHot[i * classes + example.sceneIndex()] = 1f;
            }
        }
        try (NDManager batchManager = trainer.getManager().newSubManager()) {
            NDList data = new NDList(batchManager.create(inputs, new Shape(size, channels, height, width)));
            NDList labels = new NDList(
                    batchManager.create(actions, new Shape(size, 2)),
                    batchManager.create(sceneOneHot, new Shape(size, classes)));
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList predictions = trainer.forward(data, labels);
                NDArray lossValue = trainer.getLoss().evaluate(labels, predictions);
                collector.backward(lossValue);
                loss = lossValue.getFloat();
            }
            trainer.step();
            return loss;
        }
    }
}
