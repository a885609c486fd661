package io.gleaner.scorer;

import io.gleaner.scorer.model.ModelSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How the scorer batches frames.
 *
 * @param modelName which model's {@code model-updates} records to follow
 * @param batchSize frames per inference call; a full batch is scored at once
 * @param maxBatchDelay how long a partial batch may wait (wall clock) before it is scored anyway
 */
public record ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay) {
    public ScorerConfig {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        if (modelName.isBlank()) {
            throw new IllegalArgumentException("scorer.model-name must not be blank");
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("scorer.batch-size is " + batchSize + "; it must be in 1..4096");
        }
        if (maxBatchDelay.toMillis() < 1 || maxBatchDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("scorer.max-batch-delay is " + maxBatchDelay
                    + "; it must be between 1 ms and 1 minute");
        }
    }

    /** Model "gleaner-driving", batches of 64, at most 100 ms of waiting. */
    public static ScorerConfig defaults() {
        return new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, 64, Duration.ofMillis(100));
    }
}
