package io.gleaner.scorer;

import io.gleaner.scorer.model.InferenceOptions;
import io.gleaner.scorer.model.ModelSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How the scorer batches frames and what it computes per batch.
 *
 * @param modelName which model's {@code model-updates} records to follow
 * @param batchSize frames per inference call; a full batch is scored at once
 * @param maxBatchDelay how long a partial batch may wait (wall clock) before it is scored anyway
 * @param maxBufferedFrames frames a stream task may hold waiting (for instance while no model is
 *     published) before it warns, once a minute; frames past it are still kept, never dropped
 * @param inference MC-dropout samples, the novelty reference bank and intra-op threads
 */
public record ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay, int maxBufferedFrames,
        InferenceOptions inference) {
    /** Default for {@link #maxBufferedFrames()}: about 600 MB of 64×64 RGB frames per task. */
    public static final int DEFAULT_MAX_BUFFERED_FRAMES = 50_000;
    private static final int MAX_BATCH_SIZE = 4096;
    private static final int MAX_BUFFERED_FRAMES_LIMIT = 10_000_000;

    public ScorerConfig {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        Objects.requireNonNull(inference, "inference");
        if (modelName.isBlank()) {
            throw new IllegalArgumentException("scorer.model-name must not be blank");
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("scorer.batch-size is " + batchSize + "; it must be in 1.."
                    + MAX_BATCH_SIZE);
        }
        if (maxBatchDelay.toMillis() < 1 || maxBatchDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("scorer.max-batch-delay is " + maxBatchDelay
                    + "; it must be between 1 ms and 1 minute");
        }
        if (maxBufferedFrames < batchSize || maxBufferedFrames > MAX_BUFFERED_FRAMES_LIMIT) {
            throw new IllegalArgumentException("scorer.max-buffered-frames is " + maxBufferedFrames
                    + "; it must be at least scorer.batch-size (" + batchSize + ") and at most "
                    + MAX_BUFFERED_FRAMES_LIMIT);
        }
    }

    /** A config with {@link InferenceOptions#defaults()}. */
    public ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay, int maxBufferedFrames) {
        this(modelName, batchSize, maxBatchDelay, maxBufferedFrames, InferenceOptions.defaults());
    }

    /** A config with {@link #DEFAULT_MAX_BUFFERED_FRAMES} and {@link InferenceOptions#defaults()}. */
    public ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay) {
        this(modelName, batchSize, maxBatchDelay, DEFAULT_MAX_BUFFERED_FRAMES);
    }

    /** This config with other inference options. */
    public ScorerConfig withInference(InferenceOptions options) {
        return new ScorerConfig(modelName, batchSize, maxBatchDelay, maxBufferedFrames, options);
    }

    /**
     * Model "gleaner-driving", batches of 64, at most 100 ms of waiting, 50,000 frames buffered per
     * task, {@link InferenceOptions#defaults()}.
     */
    public static ScorerConfig defaults() {
        return new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, 64, Duration.ofMillis(100));
    }
}
