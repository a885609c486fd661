package io.gleaner.retrain;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One row of the model registry ({@code model_versions}).
 *
 * @param modelName the model's name
 * @param version the version number; {@code ModelUpdate} and manifests spell it as a decimal string
 * @param parentVersion the version it was trained from, empty for a seed
 * @param artifactUri the artifact folder
 * @param artifactSha256 SHA-256 (hex) of the artifact's parameter file
 * @param state candidate, live, rejected or retired
 * @param metrics what the gate measured
 * @param createdAt when it was registered
 */
public record RegisteredModel(String modelName, int version, OptionalInt parentVersion, URI artifactUri,
        String artifactSha256, String state, Map<String, Double> metrics, Instant createdAt) {

    public RegisteredModel {
        metrics = Map.copyOf(metrics);
    }

    /** The version as {@code ModelUpdate.version} and the manifest spell it. */
    public String versionString() {
        return Integer.toString(version);
    }
}
