package io.gleaner.retrain.ssl;

/**
 * One finished pretraining epoch.
 *
 * @param epoch 1-based epoch number
 * @param loss mean loss over the epoch's steps
 * @param std normalised embedding standard deviation after the epoch ({@link EmbeddingStats#std})
 * @param effectiveRank effective rank of the embeddings after the epoch
 * @param imagesPerSecond source images per second (each gives two views)
 * @param seconds wall time of the epoch's steps
 */
public record EpochRecord(int epoch, double loss, double std, double effectiveRank, double imagesPerSecond,
        double seconds) {}
