package io.gleaner.scorer.model;

/**
 * A network that maps normalised {@code B×C×H×W} frames to {@code B×E} embeddings, loaded from an
 * artifact whose manifest gives its input size, channels, normalisation and embedding width:
 * Gleaner's own {@link Backbone} or a {@link TorchScriptBackbone} a user brings.
 *
 * <p>Implementations own native resources; close them. Not thread-safe.
 */
public interface EmbeddingBackbone extends AutoCloseable {
    /** What the artifact says this network is. */
    ModelManifest manifest();

    /**
     * Embeds {@code count} images normalised with the manifest's mean and std, laid out back to
     * back as {@code C×H×W} floats, with autograd off and in inference mode.
     *
     * @return {@code count × embeddingSize} floats, row by row
     */
    float[] embed(float[] images, int count);

    @Override
    void close();
}
