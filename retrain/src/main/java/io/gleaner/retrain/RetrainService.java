package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.TaskQueue;
import io.gleaner.retrain.artifact.ArtifactStore;
import io.gleaner.retrain.artifact.FolderArtifactStore;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelManifest;
import io.gleaner.schema.v1.FrameEvent;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrain loop of one model: when enough new labels have arrived, fine-tune the live model on
 * the most recent labels (at most {@link RetrainConfig#maxTrainingLabels()}, read from the queue
 * in pages), judge the candidate on the held-out labels, and either make it live and announce it
 * or reject it. Every run is recorded in {@code retrain_runs}, failed ones included.
 *
 * <p>Promoting (PostgreSQL) and announcing ({@code model-updates}) cannot be one transaction, so a
 * crash or a broker outage between them leaves a live version no scorer heard of. The service
 * repairs that itself: {@link #bootstrap} and the first {@link #runIfDue} of an instance, and the
 * first after a failed announcement, announce the live version again ({@link #announceLive}).
 * That is harmless: the topic is compacted and a scorer ignores the version it already serves.
 *
 * <p>Any number of instances may run for one model name: a run (and a bootstrap) holds the model's
 * {@link RetrainLock}, a PostgreSQL advisory lock, so only one of them runs at a time. Which
 * {@link RetrainTriggers trigger} started a run, and why, is recorded in {@code retrain_runs}; the
 * labels a candidate was trained and judged on are recorded with its registration
 * ({@code model_version_labels}).
 */
public final class RetrainService {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainService.class);
    /**
     * Shares of the fine-tune's step (from the live model's weights) tried in turn, smaller each
     * time and all below {@link FineTuner#TUNED_WEIGHT_SHARE}, when a candidate regresses the
     * golden set (see {@code judge}).
     */
    private static final float[] SMALLER_SHARES = {0.3f, 0.15f};

    private final DataSource dataSource;
    private final TaskQueue taskQueue;
    private final ModelRegistry registry;
    private final ModelPublisher publisher;
    private final RetrainConfig config;
    private final List<FrameEvent> replay;
    private final List<LabeledExample> golden;
    private final Set<String> goldenFrameIds;
    private final int labelPageSize;
    private final RetrainLock runLock;
    private final ArtifactStore artifacts;
    /** The live version this instance last saw the broker acknowledge; null until then. */
    private volatile Integer announcedVersion;

    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config) {
        this(dataSource, taskQueue, registry, publisher, config, List.of(), List.of());
    }

    /** As the full constructor, with no golden set: the gate judges on held-out labels only. */
    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config, List<FrameEvent> replay) {
        this(dataSource, taskQueue, registry, publisher, config, replay, List.of());
    }

    /**
     * @param replay unlabeled frames of ordinary driving mixed into every fine-tune so the model
     *     does not forget it (see {@link FineTuner}); may be empty
     * @param golden the golden set: frames drawn from the fleet at random, labeled once and never
     *     trained on, on which a candidate must not regress (see {@link EvaluationGate}); may be empty
     */
    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config, List<FrameEvent> replay, List<LabeledExample> golden) {
        this(dataSource, taskQueue, registry, publisher, config, replay, golden, LABEL_PAGE);
    }

    /** Labels read from the queue per query. */
    static final int LABEL_PAGE = 1_000;

    /**
     * As the constructor without a store, saving artifacts to {@code artifacts} instead of a
     * {@link FolderArtifactStore} on {@link RetrainConfig#modelsDir()}.
     */
    public RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config, List<FrameEvent> replay, List<LabeledExample> golden, ArtifactStore artifacts) {
        this(dataSource, taskQueue, registry, publisher, config, replay, golden, artifacts, LABEL_PAGE);
    }

    /** As the public constructor, with another page size: tests page through a few labels. */
    RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry, ModelPublisher publisher,
            RetrainConfig config, List<FrameEvent> replay, List<LabeledExample> golden, int labelPageSize) {
        this(dataSource, taskQueue, registry, publisher, config, replay, golden,
                new FolderArtifactStore(config.modelsDir()), labelPageSize);
    }

    private RetrainService(DataSource dataSource, TaskQueue taskQueue, ModelRegistry registry,
            ModelPublisher publisher, RetrainConfig config, List<FrameEvent> replay, List<LabeledExample> golden,
            ArtifactStore artifacts, int labelPageSize) {
        if (labelPageSize < 1 || labelPageSize > TaskQueue.MAX_LABELED_PAGE) {
            throw new IllegalArgumentException("label page size is " + labelPageSize + "; it must be in 1.."
                    + TaskQueue.MAX_LABELED_PAGE);
        }
        this.labelPageSize = labelPageSize;
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.config = Objects.requireNonNull(config, "config");
        this.replay = List.copyOf(replay);
        this.golden = List.copyOf(golden);
        this.goldenFrameIds = this.golden.stream().map(LabeledExample::frameId).collect(Collectors.toUnmodifiableSet());
        this.runLock = new RetrainLock(dataSource, config.modelName());
        this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
        if (!registry.modelName().equals(config.modelName())) {
            throw new IllegalArgumentException("the registry is for model " + registry.modelName()
                    + " but retrain.model-name is " + config.modelName() + "; use one name for both");
        }
    }

    /**
     * Saves, registers, promotes and publishes {@code seed} (as {@link SeedTrainer} trained it) as
     * the first version when the model has no live version. When a version is live already it
     * only announces that version again (see {@link #announceLive}), in case an earlier bootstrap
     * promoted it but died before announcing it.
     *
     * @return the saved artifact, or empty when a version was live already
     * @throws PublishException when the broker does not acknowledge the announcement; the version
     *     stays live and the next {@code bootstrap} or {@code runIfDue} announces it
     */
    public Optional<ModelArtifact> bootstrap(DrivingModel seed) {
        if (!seed.manifest().modelName().equals(config.modelName())) {
            throw new IllegalArgumentException("seed model is named " + seed.manifest().modelName()
                    + " but this service retrains " + config.modelName() + "; create the seed with that name");
        }
        // Two instances starting at once must not both register a seed: wait for the other's.
        try (RetrainLock.Held held = runLock.acquire()) {
            return bootstrapLocked(seed);
        }
    }

    private Optional<ModelArtifact> bootstrapLocked(DrivingModel seed) {
        Optional<RegisteredModel> live = registry.live();
        if (live.isPresent()) {
            LOG.info("{} v{} is live already; not bootstrapping a seed", config.modelName(), live.get().version());
            announceUnlessAnnounced(live.get());
            return Optional.empty();
        }
        int version = registry.nextVersion();
        Map<String, Double> metrics = seed.manifest().metrics();
        ModelArtifact artifact = store(version, seed.save(artifacts.stage(artifactKey(version)),
                Integer.toString(version), "", SeedTrainer.METHOD, metrics));
        registry.registerCandidate(version, OptionalInt.empty(), artifact);
        registry.promote(version, "bootstrap", "seed model, " + SeedTrainer.METHOD);
        publisher.publish(artifact, metrics);
        announcedVersion = version;
        LOG.info("bootstrapped {} v{} from the seed model at {}", config.modelName(), version, artifact.uri());
        return Optional.of(artifact);
    }

    /**
     * Announces the live version on {@code model-updates} again, with the artifact URI and SHA-256
     * the registry holds and its metrics, and waits for the broker's acknowledgement. Idempotent:
     * the topic is compacted and scorers ignore a version they already serve. {@link #bootstrap}
     * and {@link #runIfDue} call it when needed; a role may also call it at start.
     *
     * @return the version announced, empty when no version is live
     * @throws PublishException when the broker does not acknowledge it
     */
    public Optional<RegisteredModel> announceLive() {
        Optional<RegisteredModel> live = registry.live();
        live.ifPresent(this::announce);
        return live;
    }

    private void announceUnlessAnnounced(RegisteredModel live) {
        Integer announced = announcedVersion;
        if (announced == null || announced != live.version()) {
            announce(live);
        }
    }

    private void announce(RegisteredModel live) {
        Path dir = artifacts.open(live.artifactUri());
        ModelArtifact artifact = new ModelArtifact(dir, ModelManifest.read(dir), live.artifactSha256(),
                live.artifactUri());
        publisher.publish(artifact, live.metrics());
        announcedVersion = live.version();
        LOG.info("announced live {} v{} ({}) on model-updates", config.modelName(), live.version(), live.artifactUri());
    }

    /**
     * Starts a run when one of the configured {@link RetrainTriggers} fires, and at least
     * {@code gate.minHeldOut} of the labels are held out: until then the gate could only judge on
     * labels the candidate trained on, so the run waits (an admin's request stays pending) and an
     * INFO line says so.
     *
     * <p>Only one run of a model happens at a time across every instance sharing the database: the
     * check and the run hold the model's {@link RetrainLock}; while another instance holds it this
     * returns empty at once. The triggers are read after the lock is taken, so an instance that
     * checks right after another's run sees that run's labels as used.
     *
     * <p>A run uses at most the {@link RetrainConfig#maxTrainingLabels()} most recent labels, read
     * in pages; they are all in memory at once, with their images, while the run fine-tunes.
     * Labels that cannot be trained on (unknown scene, undecodable image) are skipped and counted
     * in the run's detail. Before anything else the live version is announced again if this
     * instance has not seen it acknowledged (see {@link #announceLive}).
     *
     * @return the finished run, or empty when no run was due, another instance is running one, or
     *     no version is live yet
     * @throws PublishException when the live version cannot be announced; no run starts
     * @throws RuntimeException whatever made a started run fail, after recording it as failed
     */
    public Optional<RetrainRun> runIfDue() {
        Optional<RegisteredModel> announced = registry.live();
        if (announced.isEmpty()) {
            LOG.warn("{} has no live version to fine-tune; bootstrap a seed model first", config.modelName());
            return Optional.empty();
        }
        announceUnlessAnnounced(announced.get());
        Optional<RetrainLock.Held> lock = runLock.tryAcquire();
        if (lock.isEmpty()) {
            LOG.info("{}: another instance holds the retrain lock (a run is in progress); not checking triggers",
                    config.modelName());
            return Optional.empty();
        }
        try (RetrainLock.Held held = lock.get()) {
            return runIfDueLocked(held);
        }
    }

    private Optional<RetrainRun> runIfDueLocked(RetrainLock.Held held) {
        // Read again under the lock: an admin may have promoted or rolled back meanwhile.
        Optional<RegisteredModel> live = registry.live();
        if (live.isEmpty()) {
            return Optional.empty();
        }
        abandonUnfinishedRuns();
        long trainedUpTo = lastTrainedLabelId();
        TriggerInputs inputs = triggerInputs(trainedUpTo);
        Optional<TriggerDecision> fired = config.triggers().decide(inputs);
        if (fired.isEmpty()) {
            LOG.debug("{}: {} new labels; no trigger fired", config.modelName(), inputs.newLabels());
            return Optional.empty();
        }
        TriggerDecision decision = fired.get();
        List<LabeledExample> recent = recentLabels();
        List<LabeledExample> examples = withoutFrames(recent, goldenFrameIds);
        HeldOutSplit split = HeldOutSplit.of(examples, config.fineTune().heldOutEvery());
        if (split.heldOut().size() < config.gate().minHeldOut()) {
            LOG.info("{}: {} ({}), but only {} of the {} labels are held out and the gate needs {}"
                            + " (gate.min-held-out); waiting for more labels before retraining",
                    config.modelName(), decision.trigger().databaseValue(), decision.reason(),
                    split.heldOut().size(), examples.size(), config.gate().minHeldOut());
            return Optional.empty();
        }
        // Over the labels read, golden ones too: the next run counts new labels from here.
        long maxLabelId = recent.stream().mapToLong(LabeledExample::labelId).max().orElse(trainedUpTo);
        String why = decision.reason();
        RegisteredModel base = live.get();
        long runId = insertRun(base.version(), decision, split.training().size(), Math.max(maxLabelId, trainedUpTo));
        LOG.info("retrain run {} of {} v{}: {} trigger: {}; {} labels for training, {} held out", runId,
                config.modelName(), base.version(), decision.trigger().databaseValue(), why, split.training().size(),
                split.heldOut().size());
        RunProgress progress = new RunProgress();
        try {
            RetrainRun run = retrain(runId, base, examples, split, progress, held);
            finishRun(runId, run.outcome(), run.candidateVersion(), run.labelsUsed(), run.reason());
            // Recorded: a later run must train afresh, not resume this one.
            TrainingCheckpoint.delete(config.fineTuneCheckpointDir());
            LOG.info("retrain run {}: {} v{}: {}", runId, run.outcome(), run.candidateVersion(), run.reason());
            return Optional.of(run);
        } catch (RuntimeException | Error e) {
            try {
                finishRun(runId, RetrainOutcome.FAILED, progress.registeredCandidate, null, String.valueOf(e));
            } catch (RuntimeException recordingFailed) {
                e.addSuppressed(recordingFailed);
            }
            throw e;
        }
    }

    /**
     * {@code labels} less those of the given frames, with an INFO line when there were any: a
     * golden frame that was also harvested and labeled must be neither trained on nor held out, or
     * the golden set would judge a candidate on what it learned.
     */
    static List<LabeledExample> withoutFrames(List<LabeledExample> labels, Set<String> frameIds) {
        if (frameIds.isEmpty()) {
            return labels;
        }
        List<LabeledExample> kept = labels.stream().filter(label -> !frameIds.contains(label.frameId())).toList();
        if (kept.size() < labels.size()) {
            LOG.info("left out {} labels of golden-set frames: the golden set is never trained on",
                    labels.size() - kept.size());
        }
        return kept;
    }

    /** What a run has done so far that its row must record even when it fails. */
    private static final class RunProgress {
        Integer registeredCandidate;
    }

    /**
     * The {@link RetrainConfig#maxTrainingLabels()} most recent labels in ascending id, read in
     * pages so no single query carries every image.
     */
    private List<LabeledExample> recentLabels() {
        int max = config.maxTrainingLabels();
        long after = labelIdBeforeMostRecent(max);
        List<LabeledExample> labels = new ArrayList<>();
        while (labels.size() < max) {
            int limit = Math.min(labelPageSize, max - labels.size());
            List<LabeledExample> page = taskQueue.labeledAfter(after, limit);
            labels.addAll(page);
            if (page.size() < limit) {
                break;
            }
            after = page.get(page.size() - 1).labelId();
        }
        return labels;
    }

    private RetrainRun retrain(long runId, RegisteredModel base, List<LabeledExample> examples, HeldOutSplit split,
            RunProgress progress, RetrainLock.Held held) {
        int candidateVersion = registry.nextVersion();
        // Loaded once: the fine-tune trains its own copy of it, and the gate judges the candidate against it.
        try (DrivingModel liveModel = DrivingModel.load(artifacts.open(base.artifactUri()), base.artifactSha256())) {
            FineTuneResult tuned = FineTuner.fineTuneReporting(liveModel, examples, replay, config.fineTune(),
                    config.fineTuneCheckpointDir());
            try (DrivingModel candidate = tuned.model()) {
                GateDecision decision = judge(liveModel, candidate, split.heldOut());
                ModelArtifact artifact = store(candidateVersion, candidate.save(
                        artifacts.stage(artifactKey(candidateVersion)), Integer.toString(candidateVersion),
                        base.versionString(), FineTuner.METHOD, decision.candidateMetrics()));
                // Fine-tuning took minutes: make sure no other instance could have started meanwhile.
                held.requireHeld();
                registry.registerCandidate(candidateVersion, OptionalInt.of(base.version()), artifact,
                        trainedLabelIds(liveModel, split.training(), tuned), labelIds(split.heldOut()));
                progress.registeredCandidate = candidateVersion;
                RetrainOutcome outcome;
                if (decision.promote()) {
                    registry.promote(candidateVersion, "retrain", "run " + runId + ": " + decision.reason());
                    // Should this fail, the version is live but unannounced; the next runIfDue announces it.
                    publisher.publish(artifact, decision.candidateMetrics());
                    announcedVersion = candidateVersion;
                    outcome = RetrainOutcome.PROMOTED;
                } else {
                    registry.reject(candidateVersion, decision.candidateMetrics());
                    outcome = RetrainOutcome.REJECTED;
                }
                String reason = decision.reason();
                if (tuned.resumedAfterEpoch() > 0) {
                    reason += "; fine-tune resumed from its checkpoint after epoch " + tuned.resumedAfterEpoch();
                }
                if (!tuned.skipped().isEmpty()) {
                    reason += "; skipped " + tuned.skipped().size() + " labels that cannot be trained on (first: "
                            + tuned.skipped().get(0) + ")";
                }
                return new RetrainRun(runId, base.version(), candidateVersion, tuned.labelsUsed(), outcome,
                        decision.candidateMetrics(), reason);
            }
        }
    }

    /**
     * The gate's decision on {@code candidate}, after shorter steps from the live model towards it
     * if need be: when the candidate passes the held-out labels but regresses the golden set, its
     * weights are moved back towards the live model's, to a share of {@link #SMALLER_SHARES} of the
     * fine-tune's step, and judged again; the first that passes is kept (and {@code candidate} holds
     * it), or the last decision stands. This is WiSE-FT's choice of the mixing coefficient on held-out
     * data (Wortsman et al. 2022), with the golden set as the guard: harvested labels are rare
     * scenes, and early rounds with few of them gave candidates that drove ordinary frames worse
     * but were right to move on rare ones.
     */
    private GateDecision judge(DrivingModel live, DrivingModel candidate, List<LabeledExample> heldOut) {
        GateDecision decision = config.gate().decide(live, candidate, heldOut, golden);
        float share = FineTuner.TUNED_WEIGHT_SHARE;
        for (int i = 0; i < SMALLER_SHARES.length && decision.regressedOnGoldenSetOnly(); i++) {
            LOG.info("{}: the candidate at weight share {} regressed the golden set ({}); trying {}",
                    config.modelName(), share, decision.reason(), SMALLER_SHARES[i]);
            FineTuner.shortenStep(candidate, live, SMALLER_SHARES[i] / share);
            share = SMALLER_SHARES[i];
            GateDecision shorter = config.gate().decide(live, candidate, heldOut, golden);
            decision = new GateDecision(shorter.promote(), shorter.candidateMetrics(), shorter.liveMetrics(),
                    shorter.reason() + String.format(Locale.ROOT, " (at %.2f of the fine-tune's step; %.2f regressed"
                            + " the golden set)", share, FineTuner.TUNED_WEIGHT_SHARE));
        }
        return decision;
    }

    /**
     * The labels {@code tuned} was trained on: the training split less the ones the fine-tune
     * skipped. Skips are rare (an unknown scene, an undecodable image), so only then is each label
     * screened again, against the live model, whose classes the candidate shares.
     */
    private static List<Long> trainedLabelIds(DrivingModel liveModel, List<LabeledExample> training,
            FineTuneResult tuned) {
        if (tuned.skipped().isEmpty()) {
            return labelIds(training);
        }
        return training.stream()
                .filter(example -> FineTuner.screen(liveModel, List.of(example)).skipped().isEmpty())
                .map(LabeledExample::labelId)
                .toList();
    }

    private static List<Long> labelIds(List<LabeledExample> examples) {
        return examples.stream().map(LabeledExample::labelId).toList();
    }

    /** Where version {@code version} is stored: {@code <model name>/v<version>}. */
    private String artifactKey(int version) {
        return config.modelName() + "/v" + version;
    }

    /**
     * Moves an artifact saved in a staging folder into the store. Whatever an earlier run left under
     * the same key without registering it is kept aside by the store, not reused: artifacts are immutable.
     */
    private ModelArtifact store(int version, ModelArtifact staged) {
        URI uri = artifacts.put(artifactKey(version), staged.dir());
        return new ModelArtifact(artifacts.open(uri), staged.manifest(), staged.sha256(), uri);
    }

    private long lastTrainedLabelId() {
        return queryLong("read the last retrain run", "SELECT COALESCE(MAX(max_label_id), 0) FROM retrain_runs"
                + " WHERE model_name = ? AND outcome IN ('promoted', 'rejected')",
                statement -> statement.setString(1, config.modelName()));
    }

    /** Binds a statement's parameters. */
    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Runs a query whose one row holds one number. */
    private long queryLong(String what, String sql, Binder binder) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** The label id after which the {@code count} most recent labels start; 0 when there are fewer. */
    private long labelIdBeforeMostRecent(int count) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT MIN(label_id) FROM (SELECT label_id FROM labels ORDER BY label_id DESC LIMIT ?) recent")) {
            statement.setInt(1, count);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long first = rows.getLong(1);
                return rows.wasNull() ? 0 : Math.max(0, first - 1);
            }
        } catch (SQLException e) {
            throw failure("find the " + count + " most recent labels", e);
        }
    }

    /** Most pending admin requests one run answers; more wait for the next run. */
    private static final int MAX_REQUESTS_PER_RUN = 100;

    /** Everything the triggers look at, on the database's clock. */
    private TriggerInputs triggerInputs(long trainedUpTo) {
        DriftAlarm drift = config.triggers().drift();
        try (Connection connection = dataSource.getConnection()) {
            Instant now;
            long newLabels;
            Instant lastFinished;
            Instant liveSince;
            DriftAlarm.HarvestCounts harvest;
            try (PreparedStatement statement = connection.prepareStatement("SELECT now(),"
                    + " (SELECT COUNT(*) FROM labels WHERE label_id > ?),"
                    + " (SELECT MAX(finished_at) FROM retrain_runs WHERE model_name = ?"
                    + "   AND outcome IN ('promoted', 'rejected')),"
                    + " (SELECT created_at FROM model_versions WHERE model_name = ? AND state = 'live'),"
                    // The drift alarm's windows; not counted at all while the alarm is off.
                    + " CASE WHEN ? THEN (SELECT COUNT(*) FROM edge_case_tasks"
                    + "   WHERE harvested_at > now() - make_interval(secs => ?)) ELSE 0 END,"
                    + " CASE WHEN ? THEN (SELECT COUNT(*) FROM edge_case_tasks"
                    + "   WHERE harvested_at > now() - make_interval(secs => ?) - make_interval(secs => ?)"
                    + "   AND harvested_at <= now() - make_interval(secs => ?)) ELSE 0 END")) {
                double window = drift.window().toMillis() / 1000.0;
                double baseline = drift.baseline().toMillis() / 1000.0;
                statement.setLong(1, trainedUpTo);
                statement.setString(2, config.modelName());
                statement.setString(3, config.modelName());
                statement.setBoolean(4, drift.enabled());
                statement.setDouble(5, window);
                statement.setBoolean(6, drift.enabled());
                statement.setDouble(7, window);
                statement.setDouble(8, baseline);
                statement.setDouble(9, window);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    now = rows.getTimestamp(1).toInstant();
                    newLabels = rows.getLong(2);
                    Timestamp finished = rows.getTimestamp(3);
                    lastFinished = finished == null ? null : finished.toInstant();
                    Timestamp created = rows.getTimestamp(4);
                    liveSince = created == null ? now : created.toInstant();
                    harvest = new DriftAlarm.HarvestCounts(rows.getLong(5), rows.getLong(6));
                }
            }
            List<RetrainRequest> requests = new ArrayList<>();
            if (config.triggers().manual()) {
                try (PreparedStatement statement = connection.prepareStatement("SELECT request_id, requested_by,"
                        + " reason, requested_at FROM retrain_requests WHERE model_name = ? AND state = 'pending'"
                        + " ORDER BY request_id LIMIT " + MAX_REQUESTS_PER_RUN)) {
                    statement.setString(1, config.modelName());
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            requests.add(new RetrainRequest(rows.getLong(1), rows.getString(2), rows.getString(3),
                                    rows.getTimestamp(4).toInstant()));
                        }
                    }
                }
            }
            return new TriggerInputs(now, newLabels, lastFinished, liveSince, harvest, requests);
        } catch (SQLException e) {
            throw failure("read what the triggers look at", e);
        }
    }

    /** Records the run's start and, in the same transaction, marks the admin requests it answers as started. */
    private long insertRun(int baseVersion, TriggerDecision decision, int labelsUsed, long maxLabelId) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                long runId;
                try (PreparedStatement statement = connection.prepareStatement(
                        "INSERT INTO retrain_runs (model_name, base_version, reason, labels_used, max_label_id, trigger)"
                                + " VALUES (?, ?, ?, ?, ?, CAST(? AS retrain_trigger)) RETURNING run_id")) {
                    statement.setString(1, config.modelName());
                    statement.setInt(2, baseVersion);
                    statement.setString(3, decision.reason());
                    statement.setInt(4, labelsUsed);
                    statement.setLong(5, maxLabelId);
                    statement.setString(6, decision.trigger().databaseValue());
                    try (ResultSet rows = statement.executeQuery()) {
                        rows.next();
                        runId = rows.getLong(1);
                    }
                }
                if (!decision.answeredRequests().isEmpty()) {
                    try (PreparedStatement statement = connection.prepareStatement(
                            "UPDATE retrain_requests SET state = 'started', run_id = ?"
                                    + " WHERE request_id = ANY(?) AND state = 'pending'")) {
                        statement.setLong(1, runId);
                        statement.setArray(2, connection.createArrayOf("bigint",
                                decision.answeredRequests().toArray()));
                        statement.executeUpdate();
                    }
                }
                connection.commit();
                return runId;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("record the start of a retrain run", e);
        }
    }

    /**
     * Records every run of this model still marked running as failed: this instance holds the
     * retrain lock, so whatever instance started such a run stopped (crashed, was killed) before
     * recording its end. The run's labels count as new again, so the next trigger retrains on them,
     * resuming the fine-tune from its checkpoint when the labels are the same.
     */
    private void abandonUnfinishedRuns() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE retrain_runs SET outcome = 'failed', finished_at = now(), detail = 'abandoned: the"
                                + " instance running it stopped before it finished' WHERE model_name = ?"
                                + " AND outcome = 'running'")) {
            statement.setString(1, config.modelName());
            int abandoned = statement.executeUpdate();
            if (abandoned > 0) {
                LOG.warn("{}: {} retrain run(s) were left running by an instance that stopped; recorded them as failed",
                        config.modelName(), abandoned);
            }
        } catch (SQLException e) {
            throw failure("record abandoned retrain runs", e);
        }
    }

    /** @param labelsUsed labels actually trained on, or null to keep the count recorded at the start */
    private void finishRun(long runId, RetrainOutcome outcome, Integer candidateVersion, Integer labelsUsed,
            String detail) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "UPDATE retrain_runs SET outcome = CAST(? AS retrain_outcome), candidate_version = ?,"
                                + " labels_used = COALESCE(?, labels_used), detail = ?, finished_at = now()"
                                + " WHERE run_id = ?")) {
            statement.setString(1, outcome.databaseValue());
            if (candidateVersion == null) {
                statement.setNull(2, Types.INTEGER);
            } else {
                statement.setInt(2, candidateVersion);
            }
            if (labelsUsed == null) {
                statement.setNull(3, Types.INTEGER);
            } else {
                statement.setInt(3, labelsUsed);
            }
            statement.setString(4, detail);
            statement.setLong(5, runId);
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
