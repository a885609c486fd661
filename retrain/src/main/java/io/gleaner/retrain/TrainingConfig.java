package io.gleaner.retrain;

/**
 * How one training run goes: epochs, batch size, learning rate, seed and the held-out split.
 *
 * <p>One learning rate covers the whole network. Fine-tuning uses a lower one ({@link
 * #fineTuneDefaults()}) instead of separate backbone and head groups: with a few hundred labels
 * the whole small network moves slowly enough not to forget the seed, and one Adam optimizer keeps
 * the loop simple. Split groups when a large pretrained backbone arrives.
 *
 * @param epochs passes over the training set, at least 1
 * @param batchSize examples per optimizer step, at least 1
 * @param learningRate Adam learning rate, in (0, 1]
 * @param seed seeds the shuffle, the engine's random numbers and a fresh model's weights
 * @param heldOutEvery one frame in this many (by a stable hash of its frame id) is held out of
 *     training for the evaluation gate; at least 2
 */
public record TrainingConfig(int epochs, int batchSize, float learningRate, long seed, int heldOutEvery) {

    public TrainingConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("training.epochs is " + epochs + "; it must be at least 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("training.batch-size is " + batchSize + "; it must be at least 1");
        }
        if (!(learningRate > 0f && learningRate <= 1f)) {
            throw new IllegalArgumentException(
                    "training.learning-rate is " + learningRate + "; it must be in (0, 1], e.g. 1e-3");
        }
        if (heldOutEvery < 2) {
            throw new IllegalArgumentException("training.held-out-every is " + heldOutEvery
                    + "; it must be at least 2 (2 holds out half the frames, 5 one in five)");
        }
    }

    /** For a model trained from scratch: 5 epochs, batch 32, learning rate 1e-3, seed 42, one in 5 held out. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(5, 32, 1e-3f, 42L, 5);
    }

    /** For fine-tuning a live model on labels: 3 epochs at a lower learning rate, 3e-4. */
    public static TrainingConfig fineTuneDefaults() {
        return new TrainingConfig(3, 32, 3e-4f, 42L, 5);
    }

    public TrainingConfig withEpochs(int newEpochs) {
        return new TrainingConfig(newEpochs, batchSize, learningRate, seed, heldOutEvery);
    }

    public TrainingConfig withBatchSize(int newBatchSize) {
        return new TrainingConfig(epochs, newBatchSize, learningRate, seed, heldOutEvery);
    }

    public TrainingConfig withLearningRate(float newLearningRate) {
        return new TrainingConfig(epochs, batchSize, newLearningRate, seed, heldOutEvery);
    }

    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(epochs, batchSize, learningRate, newSeed, heldOutEvery);
    }
}
