package io.gleaner.retrain.ssl;

/**
 * Test accuracies of the same linear probe on three representations of the same images.
 *
 * @param ssl accuracy on the pretrained backbone's embeddings
 * @param raw accuracy on the raw pixels
 * @param randomInit accuracy on the embeddings of the same architecture, randomly initialised
 * @param sslDimensions embedding width of both backbones
 * @param rawDimensions pixels per image
 * @param seconds wall time of feature extraction and the three probes
 */
public record ProbeReport(double ssl, double raw, double randomInit, int sslDimensions, int rawDimensions,
        double seconds) {}
