package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.TaskQueue;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.schema.v1.FrameEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrain loop of one model: when enough new labels have arrived, fine-tune the live model on
 * all labels so far, judge the candidate on the held-out labels, and either make it live and
 * announce it or reject it. Every run is recorded in {@code retrain_runs}, failed ones included.
 *
 * <p>One instance per model name should run at a time: two racing runs would pick the same
 * candidate version and the second would fail to register it.
 */
public final class RetrainService {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainService.class);

    private final DataSource dataSource;
    private final TaskQueue taskQueue;
    private final ModelRegistry registry;
    private final ModelPublisher publisher;
    private final RetrainConfig config;
    private final List<FrameEvent> replay;

    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config) {
        this(dataSource, taskQueue, registry, publisher, config, List.of());
    }

    /**
     * @param replay unlabeled frames of ordinary driving mixed into every fine-tune so the model
     *     does not forget it (see {@link FineTuner}); may be empty
     */
    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config, List<FrameEvent> replay) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.config = Objects.requireNonNull(config, "config");
        this.replay = List.copyOf(replay);
        if (!registry.modelName().equals(config.modelName())) {
            throw new IllegalArgumentException("the registry is for model " + registry.modelName()
                    + " but retrain.model-name is " + config.modelName() + "; use one name for both");
        }
    }

    /**
     * Saves, registers, promotes and publishes {@code seed} (as {@link SeedTrainer} trained it) as
     * the first version when the model has no live version; does nothing otherwise.
     *
     * @return the saved artifact, or empty when a version was live already
     */
    public Optional<ModelArtifact> bootstrap(DrivingModel seed) {
        if (!seed.manifest().modelName().equals(config.modelName())) {
            throw new IllegalArgumentException("seed model is named " + seed.manifest().modelName()
                    + " but this service retrains " + config.modelName() + "; create the seed with that name");
        }
        Optional<Integer> live = registry.liveVersion();
        if (live.isPresent()) {
            LOG.info("{} v{} is live already; not bootstrapping a seed", config.modelName(), live.get());
            return Optional.empty();
        }
        int version = registry.nextVersion();
        Map<String, Double> metrics = seed.manifest().metrics();
        ModelArtifact artifact = seed.save(freshArtifactDir(version), Integer.toString(version), "", SeedTrainer.METHOD,
                metrics);
        registry.registerCandidate(version, OptionalInt.empty(), artifact);
        registry.promote(version);
        publisher.publish(artifact, metrics);
        LOG.info("bootstrapped {} v{} from the seed model at {}", config.modelName(), version, artifact.uri());
        return Optional.of(artifact);
    }

    /**
     * Retrains when at least {@code minNewLabels} labels arrived after the last promoted or rejected
     * run (failed runs do not count, so their labels trigger the next attempt).
     *
     * @return the finished run, or empty when no run was due or no version is live yet
     * @throws RuntimeException whatever made a started run fail, after recording it as failed
     */
    public Optional<RetrainRun> runIfDue() {
        Optional<RegisteredModel> live = registry.live();
        if (live.isEmpty()) {
            LOG.warn("{} has no live version to fine-tune; bootstrap a seed model first", config.modelName());
            return Optional.empty();
        }
        long trainedUpTo = lastTrainedLabelId();
        long newLabels = countLabelsAfter(trainedUpTo);
        if (newLabels < config.minNewLabels()) {
            LOG.debug("{}: {} new labels, retraining at {}", config.modelName(), newLabels, config.minNewLabels());
            return Optional.empty();
        }
        List<LabeledExample> examples = taskQueue.labeledAfter(0);
        long maxLabelId = examples.stream().mapToLong(LabeledExample::labelId).max().orElse(trainedUpTo);
        HeldOutSplit split = HeldOutSplit.of(examples, config.fineTune().heldOutEvery());
        String why = newLabels + " new labels >= " + config.minNewLabels();
        RegisteredModel base = live.get();
        long runId = insertRun(base.version(), why, split.training().size(), maxLabelId);
        LOG.info("retrain run {} of {} v{}: {}; {} labels for training, {} held out", runId, config.modelName(),
                base.version(), why, split.training().size(), split.heldOut().size());
        try {
            RetrainRun run = retrain(runId, base, examples, split);
            finishRun(runId, run.outcome(), run.candidateVersion(), run.reason());
            LOG.info("retrain run {}: {} v{}: {}", runId, run.outcome(), run.candidateVersion(), run.reason());
            return Optional.of(run);
        } catch (RuntimeException e) {
            finishRun(runId, RetrainOutcome.FAILED, null, String.valueOf(e));
            throw e;
        }
    }

    private RetrainRun retrain(long runId, RegisteredModel base, List<LabeledExample> examples, HeldOutSplit split) {
        Path baseDir = Path.of(base.artifactUri());
        int candidateVersion = registry.nextVersion();
        try (DrivingModel candidate = FineTuner.fineTune(baseDir, base.artifactSha256(), examples, replay,
                config.fineTune());
                DrivingModel liveModel = DrivingModel.load(baseDir, base.artifactSha256())) {
            GateDecision decision = config.gate().decide(liveModel, candidate, split.heldOut(), split.training());
            ModelArtifact artifact = candidate.save(freshArtifactDir(candidateVersion),
                    Integer.toString(candidateVersion), base.versionString(), FineTuner.METHOD,
                    decision.candidateMetrics());
            registry.registerCandidate(candidateVersion, OptionalInt.of(base.version()), artifact);
            RetrainOutcome outcome;
            if (decision.promote()) {
                registry.promote(candidateVersion);
                publisher.publish(artifact, decision.candidateMetrics());
                outcome = RetrainOutcome.PROMOTED;
            } else {
                registry.reject(candidateVersion, decision.candidateMetrics());
                outcome = RetrainOutcome.REJECTED;
            }
            return new RetrainRun(runId, base.version(), candidateVersion, split.training().size(), outcome,
                    decision.candidateMetrics(), decision.reason());
        }
    }

    /**
     * The folder for a new version. A folder left by a run that crashed before registering its
     * candidate is moved aside, not reused: artifacts are immutable.
     */
    private Path freshArtifactDir(int version) {
        Path dir = config.artifactDir(version);
        if (Files.exists(dir)) {
            Path aside = dir.resolveSibling(dir.getFileName() + ".abandoned-" + System.currentTimeMillis());
            try {
                Files.move(dir, aside);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot move the unregistered artifact folder " + dir + " aside to "
                        + aside + "; remove it by hand, it belongs to no registered version", e);
            }
            LOG.warn("{} held an artifact no registry row names (a crashed run?); moved it to {}", dir, aside);
        }
        return dir;
    }

    private long lastTrainedLabelId() {
        String sql = "SELECT COALESCE(MAX(max_label_id), 0) FROM retrain_runs"
                + " WHERE model_name = ? AND outcome IN ('promoted', 'rejected')";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, config.modelName());
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("read the last retrain run", e);
        }
    }

    private long countLabelsAfter(long labelId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT COUNT(*) FROM labels WHERE label_id > ?")) {
            statement.setLong(1, labelId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("count new labels", e);
        }
    }

    private long insertRun(int baseVersion, String reason, int labelsUsed, long maxLabelId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "INSERT INTO retrain_runs (model_name, base_version, reason, labels_used, max_label_id)"
                                + " VALUES (?, ?, ?, ?, ?) RETURNING run_id")) {
            statement.setString(1, config.modelName());
            statement.setInt(2, baseVersion);
            statement.setString(3, reason);
            statement.setInt(4, labelsUsed);
            statement.setLong(5, maxLabelId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw failure("record the start of a retrain run", e);
        }
    }

    private void finishRun(long runId, RetrainOutcome outcome, Integer candidateVersion, String detail) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE retrain_runs SET outcome = CAST(? AS retrain_outcome), candidate_version = ?,"
                                + " detail = ?, finished_at = now() WHERE run_id = ?")) {
            statement.setString(1, outcome.databaseValue());
            if (candidateVersion == null) {
                statement.setNull(2, Types.INTEGER);
            } else {
                statement.setInt(2, candidateVersion);
            }
            statement.setString(3, detail);
            statement.setLong(4, runId);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw failure("record the end of retrain run " + runId, e);
        }
    }

    private RegistryException failure(String operation, SQLException e) {
        return new RegistryException("retrain of " + config.modelName() + ": cannot " + operation + ": "
                + e.getMessage() + " (SQL state " + e.getSQLState() + ")", e);
    }
}
