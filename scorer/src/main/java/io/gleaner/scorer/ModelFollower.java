package io.gleaner.scorer;

import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.ArtifactIntegrityException;
import io.gleaner.scorer.model.DrivingModel;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the holder to the model version the latest {@code ModelUpdate} announces. Shared by all
 * stream tasks of one instance, so one of them loads a version and the others find it served.
 */
final class ModelFollower {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);

    private final String modelName;
    private final ModelHolder holder;
    private final ScorerMetrics metrics;
    // Updates that failed to load; retrying them every batch would only repeat the failure.
    private final Set<String> refused = new HashSet<>();

    ModelFollower(String modelName, ModelHolder holder, ScorerMetrics metrics) {
        this.modelName = modelName;
        this.holder = holder;
        this.metrics = metrics;
    }

    /** Loads and serves {@code latest} unless it is already served or was refused before. */
    synchronized void catchUp(ModelUpdate latest) {
        if (latest == null || latest.getVersion().equals(holder.currentVersion())) {
            return;
        }
        String attempt = latest.getVersion() + " " + latest.getArtifactUri() + " " + latest.getArtifactSha256();
        if (refused.contains(attempt)) {
            return;
        }
        String serving = holder.currentVersion().isEmpty() ? "no model" : "version " + holder.currentVersion();
        try {
            DrivingModel model = load(latest);
            holder.swap(model);
            LOG.info("model {}: now serving version {} (parent '{}') from {}, was {}", modelName,
                    latest.getVersion(), latest.getParentVersion(), latest.getArtifactUri(), serving);
        } catch (RuntimeException e) {
            refused.add(attempt);
            String reason = "model " + modelName + " version " + latest.getVersion() + " from "
                    + latest.getArtifactUri() + " refused: " + e.getMessage();
            metrics.modelLoadFailed(reason);
            // Integrity and format problems are fully described by the message; anything else gets a trace.
            if (e instanceof IllegalArgumentException || e instanceof ArtifactIntegrityException) {
                LOG.error("{}; still serving {}. Publish a corrected ModelUpdate to replace it.", reason, serving);
            } else {
                LOG.error("{}; still serving {}. Publish a corrected ModelUpdate to replace it.", reason, serving, e);
            }
        }
    }

    private DrivingModel load(ModelUpdate update) {
        if (update.getArtifactSha256().isBlank()) {
            throw new IllegalArgumentException("the update carries no artifact SHA-256, so the artifact cannot be "
                    + "verified");
        }
        Path dir = Path.of(URI.create(update.getArtifactUri()));
        DrivingModel model = DrivingModel.load(dir, update.getArtifactSha256());
        String found = model.manifest().modelName() + " version " + model.version();
        if (!model.manifest().modelName().equals(modelName) || !model.version().equals(update.getVersion())) {
            model.close();
            throw new IllegalArgumentException("the artifact holds " + found + ", not the announced " + modelName
                    + " version " + update.getVersion());
        }
        return model;
    }
}
