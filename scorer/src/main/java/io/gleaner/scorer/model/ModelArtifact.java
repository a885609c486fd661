package io.gleaner.scorer.model;

import java.net.URI;
import java.nio.file.Path;

/**
 * A saved model version on disk.
 *
 * @param dir the artifact folder (parameters plus {@code manifest.json})
 * @param manifest what the folder holds
 * @param sha256 hex SHA-256 of the parameter file, to publish alongside the URI
 * @param uri the folder as a URI ({@code file://...}), as published in {@code ModelUpdate.artifact_uri}
 */
public record ModelArtifact(Path dir, ModelManifest manifest, String sha256, URI uri) {}
