/**
 * Where model artifacts live: the {@link io.gleaner.retrain.artifact.ArtifactStore} contract that the
 * retrain service saves through and resolves registry URIs with, and its folder implementation
 * ({@link io.gleaner.retrain.artifact.FolderArtifactStore}), which refuses every URI or key that
 * would reach outside its root.
 */
package io.gleaner.retrain.artifact;
