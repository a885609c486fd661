package io.gleaner.retrain;

import io.gleaner.retrain.artifact.ArtifactStore;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelManifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an admin does to a model's registry by hand ({@code gleaner models}): make a chosen version
 * live, overruling the gate if it rejected the version, or roll back to the version that was live
 * before. Each change is recorded in {@code model_promotions} with who made it and why, and the new
 * live version is announced on {@code model-updates}, so the scorers swap to it between batches.
 *
 * <p>A change holds the model's {@link RetrainLock}, so it never interleaves with a retrain run
 * (which could otherwise promote its own candidate a moment later); while a run holds the lock
 * the change is refused with a message saying so.
 */
public final class ModelAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(ModelAdmin.class);

    private final ModelRegistry registry;
    private final ModelPublisher publisher;
    private final ArtifactStore artifacts;
    private final RetrainLock lock;

    public ModelAdmin(DataSource dataSource, ModelRegistry registry, ModelPublisher publisher, ArtifactStore artifacts) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
        this.lock = new RetrainLock(dataSource, registry.modelName());
    }

    /**
     * Makes {@code version} live (a candidate, a retired version, or a rejected one: the admin
     * overrules the gate) and announces it. Promoting the live version announces it again.
     *
     * @return the version, live now
     * @throws RegistryException when the version is not registered or a retrain run is in progress
     * @throws PublishException when the broker does not acknowledge the announcement; the version
     *     stays live and a running retrain service announces it on its next check
     */
    public RegisteredModel promote(int version, String by, String reason) {
        try (RetrainLock.Held held = heldOrRefused("promote v" + version)) {
            RegisteredModel target = registry.find(version).orElseThrow(() -> new RegistryException(
                    registry.modelName() + " has no version " + version + "; registered: " + versions()));
            if (target.state().equals("rejected")) {
                registry.overrule(version, by, "overruled the gate: " + reason);
            } else {
                registry.promote(version, by, reason);
            }
            RegisteredModel live = registry.live().orElseThrow();
            announce(live);
            LOG.info("{} made {} v{} live: {}", by, registry.modelName(), version, reason);
            return live;
        }
    }

    /**
     * Takes the live version out of service and makes the one live before it live again (see
     * {@link ModelRegistry#rollback}), then announces it.
     *
     * @return the version live now
     * @throws RegistryException when nothing was live before, or a retrain run is in progress
     * @throws PublishException as for {@link #promote}
     */
    public RegisteredModel rollback(String by, String reason) {
        try (RetrainLock.Held held = heldOrRefused("roll back")) {
            RegisteredModel live = registry.rollback(by, reason);
            announce(live);
            LOG.info("{} rolled {} back to v{}: {}", by, registry.modelName(), live.version(), reason);
            return live;
        }
    }

    private RetrainLock.Held heldOrRefused(String what) {
        Optional<RetrainLock.Held> held = lock.tryAcquire();
        return held.orElseThrow(() -> new RegistryException("cannot " + what + " of " + registry.modelName()
                + ": a retrain run (or another admin's change) holds the model's lock right now; try again when it"
                + " ends (GET /api/v1/retrain shows the running run)"));
    }

    private void announce(RegisteredModel live) {
        Path dir = artifacts.open(live.artifactUri());
        publisher.publish(new ModelArtifact(dir, ModelManifest.read(dir), live.artifactSha256(), live.artifactUri()),
                live.metrics());
    }

    private String versions() {
        List<RegisteredModel> all = registry.list();
        return all.isEmpty() ? "none" : all.stream().map(m -> "v" + m.version() + " (" + m.state() + ")")
                .collect(Collectors.joining(", "));
    }
}
