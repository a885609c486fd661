package io.gleaner.scorer;

import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.ArtifactIntegrityException;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelManifest;
import io.gleaner.scorer.model.Prediction;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the holder to the model version the latest {@code ModelUpdate} announces. Shared by all
 * stream tasks of one instance, so one of them loads a version and the others find it served.
 *
 * <p>A version is refused for good when its artifact is bad (wrong digest, unreadable format,
 * another model inside) or when it cannot run: it fails a trial prediction (throws, or gives a NaN or
 * infinite output) before it is served, or afterwards a trial input or most frames (see
 * {@link BatchScoringProcessor}). Any other load failure (an I/O error, a file that the shared volume
 * does not show yet) is retried on later batches, first after {@link #FIRST_RETRY_MS} and then at
 * doubling intervals up to {@link #MAX_RETRY_MS}. Refusals last until the instance restarts or a
 * different update is published.
 */
final class ModelFollower {
    static final long FIRST_RETRY_MS = 5_000;
    static final long MAX_RETRY_MS = 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(ModelFollower.class);

    private final String modelName;
    private final ModelHolder holder;
    private final ScorerMetrics metrics;
    // Updates (version, URI, digest) that cannot be served; retrying them would repeat the failure.
    private final Set<String> refused = new HashSet<>();
    // Updates whose load failed for a reason that may pass, with when to try again.
    private final Map<String, Retry> retries = new HashMap<>();
    // The model this follower put in the holder, and the update it came from.
    private DrivingModel loaded;
    private String loadedAttempt;

    private record Retry(long notBeforeMs, long backoffMs) {}

    ModelFollower(String modelName, ModelHolder holder, ScorerMetrics metrics) {
        this.modelName = modelName;
        this.holder = holder;
        this.metrics = metrics;
    }

    /**
     * Loads, tries and serves {@code latest} unless it is already served, was refused, or failed a
     * moment ago and is not due for another try at {@code nowMs} (wall clock, epoch ms).
     */
    synchronized void catchUp(ModelUpdate latest, long nowMs) {
        if (!wouldLoad(latest, nowMs)) {
            return;
        }
        String attempt = attemptOf(latest);
        Retry retry = retries.get(attempt);
        String serving = serving();
        DrivingModel model;
        try {
            model = load(latest);
        } catch (ArtifactIntegrityException | IllegalArgumentException e) {
            retries.remove(attempt);
            refuse(attempt, latest, e.getMessage(), serving, null);
            return;
        } catch (RuntimeException e) {
            long backoff = retry == null ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, 2 * retry.backoffMs());
            retries.put(attempt, new Retry(nowMs + backoff, backoff));
            String reason = "model " + modelName + " version " + latest.getVersion() + " from "
                    + latest.getArtifactUri() + " could not be loaded: " + e;
            metrics.modelLoadFailed(reason);
            LOG.warn("{}; still serving {}. Trying again in {} s; if it keeps failing, check that the artifact "
                    + "folder is readable from this instance.", reason, serving, backoff / 1000);
            return;
        }
        retries.remove(attempt);
        try {
            tryOnce(model);
        } catch (RuntimeException e) {
            model.close();
            refuse(attempt, latest, "it loaded but failed a trial prediction: " + e, serving, e);
            return;
        }
        holder.swap(model);
        loaded = model;
        loadedAttempt = attempt;
        LOG.info("model {}: now serving version {} (parent '{}') from {} on device {}, was {}", modelName,
                latest.getVersion(), latest.getParentVersion(), latest.getArtifactUri(),
                model.djlModel().getNDManager().getDevice(), serving);
    }

    /**
     * Whether {@link #catchUp} would load {@code latest} at {@code nowMs}; when it would not, a
     * stream thread that holds a lease may go on with its model without calling it.
     */
    synchronized boolean wouldLoad(ModelUpdate latest, long nowMs) {
        if (latest == null || latest.getVersion().equals(holder.currentVersion())) {
            return false;
        }
        String attempt = attemptOf(latest);
        if (refused.contains(attempt)) {
            return false;
        }
        Retry retry = retries.get(attempt);
        return retry == null || nowMs >= retry.notBeforeMs();
    }

    /**
     * Stops serving {@code model}, which cannot run ({@code failure} says why), and refuses its
     * update, so frames wait for the next version rather than fail the stream again and again.
     */
    synchronized void batchFailed(DrivingModel model, RuntimeException failure) {
        if (!holder.retire(model)) {
            return; // another task already retired it, or a new version replaced it
        }
        String reason = "model " + modelName + " version " + model.version() + " refused: it cannot score frames: "
                + failure.getMessage();
        metrics.modelLoadFailed(reason);
        if (model == loaded) {
            refused.add(loadedAttempt);
        }
        loaded = null;
        loadedAttempt = null;
        // The previous version was closed when this one replaced it, and keeping two models open to
        // fall back on would double the memory of exactly the instances that run out of it.
        LOG.error("{}; no model is served now, frames stay buffered until a new version is published. "
                + "Check the artifact, or lower scorer.batch-size if it ran out of memory.", reason, failure);
    }

    private void refuse(String attempt, ModelUpdate update, String why, String serving, Throwable trace) {
        refused.add(attempt);
        String reason = "model " + modelName + " version " + update.getVersion() + " from "
                + update.getArtifactUri() + " refused: " + why;
        metrics.modelLoadFailed(reason);
        // Integrity and format problems are fully described by the message; a failed run gets a trace.
        if (trace == null) {
            LOG.error("{}; still serving {}. Publish a corrected ModelUpdate to replace it.", reason, serving);
        } else {
            LOG.error("{}; still serving {}. Publish a corrected ModelUpdate to replace it.", reason, serving, trace);
        }
    }

    private String serving() {
        return holder.currentVersion().isEmpty() ? "no model" : "version " + holder.currentVersion();
    }

    private static String attemptOf(ModelUpdate update) {
        return update.getVersion() + " " + update.getArtifactUri() + " " + update.getArtifactSha256();
    }

    /**
     * One prediction on a zero input of the model's input size: a model that cannot run, or gives a
     * NaN or infinite output for it, never serves.
     */
    private static void tryOnce(DrivingModel model) {
        ModelManifest m = model.manifest();
        Prediction p = model.predict(List.of(new float[m.inputChannels() * m.inputHeight() * m.inputWidth()])).get(0);
        float[] scalars = {p.steering(), p.acceleration()};
        for (float[] values : List.of(p.sceneProbabilities(), scalars, p.embedding())) {
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("the trial input (zeros) gave a non-finite output (" + v + ")");
                }
            }
        }
    }

    private DrivingModel load(ModelUpdate update) {
        if (update.getArtifactSha256().isBlank()) {
            throw new IllegalArgumentException("the update carries no artifact SHA-256, so the artifact cannot be "
                    + "verified");
        }
        Path dir;
        try {
            dir = Path.of(URI.create(update.getArtifactUri()));
        } catch (FileSystemNotFoundException e) {
            throw new IllegalArgumentException("artifact URI " + update.getArtifactUri() + " has a scheme this "
                    + "scorer cannot read; publish a file: URI", e);
        }
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
