package io.gleaner.scorer;

import io.gleaner.scorer.model.InferenceOptions;
import io.gleaner.scorer.model.ModelSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How the scorer batches frames and what it computes per batch.
 *
 * <p>Slow models: under exactly-once the frames a stream thread scores between two commits are one
 * producer transaction, which the broker aborts after {@code transaction.timeout.ms} (Kafka
 * Streams sets 10 s). So a batch takes at most as many frames as fit in {@link #maxBatchTime()}
 * at the per-frame latency the task measured (at least 1 frame; see {@code BatchScoringProcessor}),
 * one flush scores batches for at most {@code 2 × maxBatchTime}, and a flush that ran long asks
 * Streams to commit. The scorer's Streams application runs with {@link #streamsOverrides()}: a
 * longer transaction timeout than the default, as a margin for a stream thread that holds many
 * tasks, and a poll that fetches no more than one batch of records.
 *
 * @param modelName which model's {@code model-updates} records to follow
 * @param batchSize frames per inference call; a full batch is scored at once
 * @param maxBatchDelay how long a partial batch may wait (wall clock) before it is scored anyway
 * @param maxBufferedFrames frames a stream task may hold waiting (for instance while no model is
 *     published) before it warns, once a minute; frames past it are still kept, never dropped
 * @param inference MC-dropout samples, the novelty reference bank and intra-op threads
 * @param maxBatchTime the time one batch may take: a model measured slower per frame gets fewer
 *     frames per batch (scorer.max-batch-time; {@code gleaner score --max-batch-time})
 * @param transactionTimeout the producer's {@code transaction.timeout.ms} for the scorer stage, at
 *     least {@link #MIN_TIMEOUT_IN_BATCH_TIMES} times {@code maxBatchTime}
 *     (scorer.transaction-timeout; {@code gleaner score --transaction-timeout})
 */
public record ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay, int maxBufferedFrames,
        InferenceOptions inference, Duration maxBatchTime, Duration transactionTimeout) {
    /** Default for {@link #maxBufferedFrames()}: about 600 MB of 64×64 RGB frames per task. */
    public static final int DEFAULT_MAX_BUFFERED_FRAMES = 50_000;
    /** Default for {@link #maxBatchTime()}. */
    public static final Duration DEFAULT_MAX_BATCH_TIME = Duration.ofMillis(500);
    /** Default for {@link #transactionTimeout()}: three times Kafka Streams' 10 s. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How many times {@link #maxBatchTime()} the transaction timeout must be at least: a task's
     * share of one transaction is about two flushes of {@code 2 × maxBatchTime}, and one stream
     * thread commits the work of all its tasks in one transaction.
     */
    public static final int MIN_TIMEOUT_IN_BATCH_TIMES = 20;
    private static final int MAX_BATCH_SIZE = 4096;
    private static final int MAX_BUFFERED_FRAMES_LIMIT = 10_000_000;
    // The brokers' default transaction.max.timeout.ms; a longer producer timeout is refused there.
    private static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    public ScorerConfig {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
        Objects.requireNonNull(inference, "inference");
        Objects.requireNonNull(maxBatchTime, "maxBatchTime");
        Objects.requireNonNull(transactionTimeout, "transactionTimeout");
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
        if (maxBatchTime.toMillis() < 10 || maxBatchTime.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException("scorer.max-batch-time is " + maxBatchTime
                    + "; it must be between 10 ms and 30 s");
        }
        if (transactionTimeout.compareTo(maxBatchTime.multipliedBy(MIN_TIMEOUT_IN_BATCH_TIMES)) < 0
                || transactionTimeout.compareTo(MAX_TRANSACTION_TIMEOUT) > 0) {
            throw new IllegalArgumentException("scorer.transaction-timeout is " + transactionTimeout + "; it must be at "
                    + "least " + MIN_TIMEOUT_IN_BATCH_TIMES + " x scorer.max-batch-time ("
                    + maxBatchTime.multipliedBy(MIN_TIMEOUT_IN_BATCH_TIMES) + ") and at most "
                    + MAX_TRANSACTION_TIMEOUT + " (the brokers' default transaction.max.timeout.ms); lower "
                    + "scorer.max-batch-time or raise the timeout");
        }
    }

    /** A config with {@link #DEFAULT_MAX_BATCH_TIME} and {@link #DEFAULT_TRANSACTION_TIMEOUT}. */
    public ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay, int maxBufferedFrames,
            InferenceOptions inference) {
        this(modelName, batchSize, maxBatchDelay, maxBufferedFrames, inference, DEFAULT_MAX_BATCH_TIME,
                DEFAULT_TRANSACTION_TIMEOUT);
    }

    /** A config with {@link InferenceOptions#defaults()} and the default time limits. */
    public ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay, int maxBufferedFrames) {
        this(modelName, batchSize, maxBatchDelay, maxBufferedFrames, InferenceOptions.defaults());
    }

    /** A config with {@link #DEFAULT_MAX_BUFFERED_FRAMES}, {@link InferenceOptions#defaults()} and the default time limits. */
    public ScorerConfig(String modelName, int batchSize, Duration maxBatchDelay) {
        this(modelName, batchSize, maxBatchDelay, DEFAULT_MAX_BUFFERED_FRAMES);
    }

    /** This config with other inference options. */
    public ScorerConfig withInference(InferenceOptions options) {
        return new ScorerConfig(modelName, batchSize, maxBatchDelay, maxBufferedFrames, options, maxBatchTime,
                transactionTimeout);
    }

    /** This config with other time limits for slow models. */
    public ScorerConfig withTimeLimits(Duration batchTime, Duration timeout) {
        return new ScorerConfig(modelName, batchSize, maxBatchDelay, maxBufferedFrames, inference, batchTime, timeout);
    }

    /**
     * What the scorer's Kafka Streams application sets on top of the settings every stage shares:
     * the producer's {@code transaction.timeout.ms} ({@link #transactionTimeout()}), and
     * {@code max.poll.records} of one batch, so one poll never hands a stream thread more frames than
     * one batch (polling more often costs little next to inference).
     */
    public Map<String, Object> streamsOverrides() {
        return Map.of(
                StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) transactionTimeout.toMillis(),
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), batchSize);
    }

    /**
     * Model "gleaner-driving", batches of 64, at most 100 ms of waiting, 50,000 frames buffered per
     * task, {@link InferenceOptions#defaults()}, batches of at most 500 ms, a 30 s transaction timeout.
     */
    public static ScorerConfig defaults() {
        return new ScorerConfig(ModelSpec.DEFAULT_MODEL_NAME, 64, Duration.ofMillis(100));
    }
}
