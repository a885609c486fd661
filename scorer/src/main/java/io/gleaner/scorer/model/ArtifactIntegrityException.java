package io.gleaner.scorer.model;

/**
 * A model artifact's parameter file does not hash to the SHA-256 its manifest or its publisher
 * promised. The artifact must not be used: it was corrupted, truncated or replaced after it was
 * published.
 */
public final class ArtifactIntegrityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ArtifactIntegrityException(String message) {
        super(message);
    }
}
