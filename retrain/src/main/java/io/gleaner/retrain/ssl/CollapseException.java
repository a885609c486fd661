package io.gleaner.retrain.ssl;

/**
 * Pretraining stopped because the representation collapsed: the embeddings no longer tell images
 * apart, and further epochs would only cost time. The checkpoint of the last healthy epoch is kept.
 */
public final class CollapseException extends RuntimeException {
    private final transient EmbeddingStats stats;
    private final int epoch;

    public CollapseException(String message, int epoch, EmbeddingStats stats) {
        super(message);
        this.epoch = epoch;
        this.stats = stats;
    }

    /** The epoch after which collapse was seen. */
    public int epoch() {
        return epoch;
    }

    /** The statistics that showed it. */
    public EmbeddingStats stats() {
        return stats;
    }
}
