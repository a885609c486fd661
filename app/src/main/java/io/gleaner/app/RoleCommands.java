package io.gleaner.app;

import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.app.demo.LoopConfig;
import io.gleaner.app.demo.TruthOracleLabeler;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.app.ops.DatabaseGauges;
import io.gleaner.app.ops.IngestMeters;
import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.app.ops.OpsEndpoint;
import io.gleaner.app.ops.OpsOptions;
import io.gleaner.app.ops.ScorerMeters;
import io.gleaner.app.ops.SelectionMeters;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.FrameEncoding;
import io.gleaner.ingest.sim.FramePublisher;
import io.gleaner.ingest.sim.RareRates;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.ingest.sim.TruthLog;
import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.ModelErrorRule;
import io.gleaner.retrain.DriftAlarm;
import io.gleaner.retrain.EvaluationGate;
import io.gleaner.retrain.FineTuneScope;
import io.gleaner.retrain.GoldenSet;
import io.gleaner.retrain.ModelPublisher;
import io.gleaner.retrain.ModelRegistry;
import io.gleaner.retrain.RetrainConfig;
import io.gleaner.retrain.RetrainService;
import io.gleaner.retrain.RetrainTriggers;
import io.gleaner.retrain.SeedTrainer;
import io.gleaner.retrain.TrainingConfig;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerConfig;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.uncertainty.DuplicateSuppression;
import io.gleaner.uncertainty.FlickerConfig;
import io.gleaner.uncertainty.HarvestBudget;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.SelectionMetrics;
import io.gleaner.uncertainty.SelectionTopology;
import io.gleaner.uncertainty.TriggerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One subcommand per role, so that production runs each as its own process (see compose/).
 * Each only wires configuration to the module that does the work, and stops on SIGTERM.
 */
final class RoleCommands {
    private static final Logger LOG = LoggerFactory.getLogger(RoleCommands.class);

    private RoleCommands() {}

    /** Options every Streams role shares. */
    static final class StreamsOptions {
        @Option(names = "--state-dir", defaultValue = "${env:GLEANER_STATE_DIR:-gleaner-data/state}",
                description = "Kafka Streams state folder (default ${DEFAULT-VALUE}).")
        Path stateDir;

        @Option(names = "--at-least-once",
                description = "Use at-least-once processing instead of exactly_once_v2 (not recommended).")
        boolean atLeastOnce;
    }

    /**
     * Runs one Streams stage until the process is told to stop, with its ops port open from before
     * the stage starts until after it stopped: {@code meters} binds the stage's own meters and
     * checks, the Kafka Streams app's state and client metrics are added to them.
     * {@code overrides} are the stage's own Streams settings (the scorer's, see
     * {@link ScorerConfig#streamsOverrides()}), put over the shared ones.
     */
    private static int runStage(String role, String applicationId, ConnectionOptions connection,
                                StreamsOptions options, OpsOptions opsOptions, Map<String, Object> overrides,
                                Consumer<StreamsBuilder> topology, Consumer<OpsEndpoint> meters, Runnable onStop)
            throws InterruptedException {
        KafkaClientSettings kafka = connection.kafka();
        LOG.info("{}: Kafka clients use {}", role, kafka);
        Properties props = StreamsStage.properties(applicationId, kafka, options.stateDir, !options.atLeastOnce);
        props.putAll(overrides);
        try (ShutdownSignal signal = new ShutdownSignal(applicationId);
             OpsEndpoint ops = OpsEndpoint.open(role, opsOptions.config())) {
            meters.accept(ops);
            try (StreamsStage stage = StreamsStage.start(applicationId, props, topology, Duration.ofMinutes(5),
                    ops::watch)) {
                signal.awaitStop();
                onStop.run();
            }
        }
        return 0;
    }

    /** The {@code database} health check and {@code readings} of a role that works on PostgreSQL. */
    private static void watchDatabase(OpsEndpoint ops, DataSource dataSource, Set<DatabaseGauges.Reading> readings) {
        DatabaseGauges.watch(ops, dataSource, readings, DatabaseGauges.DEFAULT_REFRESH);
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Apply the database migrations (run once, before the roles start).")
    static final class Migrate implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Override
        public Integer call() {
            var result = Migrations.migrate(connection.database().dataSource());
            System.out.printf("database at schema version %s (%d migrations applied)%n",
                    result.targetSchemaVersion, result.migrationsExecuted);
            return 0;
        }
    }

    @Command(name = "create-topics", mixinStandardHelpOptions = true, description = "Create Gleaner's topics that are missing.")
    static final class CreateTopics implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Option(names = "--partitions", defaultValue = "6", description = "Partitions per topic (default ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "1", description = "Replication factor (default ${DEFAULT-VALUE}).")
        short replication;

        @Override
        public Integer call() throws InterruptedException {
            List<String> created = TopicAdmin.createMissing(connection.kafka(), partitions, replication);
            System.out.println(created.isEmpty() ? "all topics exist" : "created " + String.join(", ", created));
            return 0;
        }
    }

    @Command(name = "ingest-stream", mixinStandardHelpOptions = true,
            description = "Validate and deduplicate frames.raw into frames.valid; bad records go to frames.dlq.")
    static final class IngestStream implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin StreamsOptions streams;
        @Mixin OpsOptions ops;

        @Override
        public Integer call() throws InterruptedException {
            IngestMetrics metrics = new IngestMetrics();
            return runStage("ingest-stream", IngestTopology.APPLICATION_ID, connection, streams, ops, Map.of(),
                    b -> IngestTopology.build(b, IngestConfig.defaults(), metrics),
                    endpoint -> endpoint.bind(new IngestMeters(metrics)),
                    () -> LOG.info("ingest stopped: {}", metrics));
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Score frames.valid with the live model into frames.scored, following model-updates.")
    static final class Score implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin StreamsOptions streams;
        @Mixin OpsOptions ops;

        @Spec CommandSpec spec;

        @Option(names = "--batch-size", defaultValue = "64", description = "Frames per inference batch (default ${DEFAULT-VALUE}).")
        int batchSize;

        // The defaults are ScorerConfig's (ScoreCommandTest holds them equal), spelled out for --help.
        @Option(names = "--max-batch-time", defaultValue = "PT0.5S", paramLabel = "DURATION",
                description = "The time one batch may take (ISO-8601, 10 ms to 30 s): a model measured slower gets"
                        + " fewer frames per batch, so a flush stays well inside the transaction timeout"
                        + " (default ${DEFAULT-VALUE}).")
        Duration maxBatchTime;

        @Option(names = "--transaction-timeout", defaultValue = "PT30S", paramLabel = "DURATION",
                description = "The stage's producer transaction.timeout.ms under exactly-once (ISO-8601): at least"
                        + " " + ScorerConfig.MIN_TIMEOUT_IN_BATCH_TIMES + " x --max-batch-time, at most the brokers'"
                        + " transaction.max.timeout.ms (15 min by default); raise it together with --max-batch-time"
                        + " for a slow model (default ${DEFAULT-VALUE}).")
        Duration transactionTimeout;

        @Option(names = "--intra-op-threads", defaultValue = "0", description = "PyTorch intra-op threads of the"
                + " forward passes, 0 = one less than the cores, at least 1: the stream thread decodes the next batch"
                + " on a core of its own meanwhile. With more stream threads: (cores - threads) / threads"
                + " (default ${DEFAULT-VALUE}).")
        int intraOpThreads;

        /** The scorer's configuration from the flags; a value it refuses is a usage error naming the flags. */
        ScorerConfig scorerConfig() {
            ScorerConfig defaults = ScorerConfig.defaults();
            try {
                return new ScorerConfig(defaults.modelName(), batchSize, defaults.maxBatchDelay(),
                        defaults.maxBufferedFrames(), defaults.inference().withIntraOpThreads(intraOpThreads),
                        maxBatchTime, transactionTimeout);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size " + batchSize
                        + " --max-batch-time " + maxBatchTime + " --transaction-timeout " + transactionTimeout
                        + " --intra-op-threads " + intraOpThreads + ": " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            ScorerConfig config = scorerConfig();
            try (ModelHolder holder = new ModelHolder()) {
                ScorerMetrics metrics = new ScorerMetrics(holder);
                return runStage("score", ScorerTopology.APPLICATION_ID, connection, streams, ops, config.streamsOverrides(),
                        b -> ScorerTopology.build(b, config, holder, metrics),
                        endpoint -> {
                            ScorerMeters meters = new ScorerMeters(metrics);
                            endpoint.bind(meters);
                            endpoint.addHealthCheck("model", meters);
                        },
                        () -> LOG.info("scorer stopped after {} frames", metrics.framesScored()));
            }
        }
    }

    @Command(name = "select", mixinStandardHelpOptions = true,
            description = "Score uncertainty on frames.scored and harvest the top fraction into edge-cases.")
    static final class Select implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin StreamsOptions streams;
        @Mixin OpsOptions ops;

        @Option(names = "--trigger", paramLabel = "SPEC",
                description = "A named trigger, repeatable: NAME=FUNCTION,threshold=VALUE or"
                        + " NAME=FUNCTION,top=RATE[,min-observations=N], optionally with ,weight=W; FUNCTION is one of"
                        + " entropy, least-confidence, margin, action-disagreement, action-surprise, action-spread,"
                        + " novelty, embedding-novelty. Given once or more, replaces the defaults"
                        + " action-surprise=action-surprise,top=0.02 and embedding-novelty=embedding-novelty,top=0.02.")
        List<String> triggers;

        @Spec CommandSpec spec;

        @Option(names = "--dedup-min-similarity", paramLabel = "COSINE",
                description = "Drop a harvested frame whose embedding is at least this cosine-similar (0..1] to one"
                        + " harvested from the same vehicle in the last minute (off unless given).")
        Double dedupMinSimilarity;

        @Option(names = "--budget-per-vehicle", paramLabel = "N",
                description = "Most edge cases per vehicle per hour, the best of the hour kept; turns budgets on,"
                        + " so edge cases wait for their hour to close (default 50 once budgets are on).")
        Integer budgetPerVehicle;

        @Option(names = "--budget-fleet", paramLabel = "N",
                description = "Most edge cases per hour in all, the best of the hour kept; turns budgets on"
                        + " (default 500 once budgets are on).")
        Integer budgetFleet;

        @Option(names = "--flicker",
                description = "Turn on the flicker triggers: scene-flicker (the predicted scene class flips back and"
                        + " forth across a vehicle's consecutive frames) and action-flicker (the predicted action jumps"
                        + " while the human's is smooth). Off by default.")
        boolean flicker;

        @Option(names = "--flicker-window", paramLabel = "N",
                description = "Frames of a vehicle the scene flips are counted over (default 8; implies --flicker).")
        Integer flickerWindow;

        @Option(names = "--flicker-min-flips", paramLabel = "K",
                description = "Scene-class changes within the window that fire scene-flicker (default 3; implies --flicker).")
        Integer flickerMinFlips;

        @Option(names = "--feedback-dedup-retention", paramLabel = "DURATION",
                description = "How long a frame whose label feedback was counted toward trigger yield is remembered,"
                        + " so a replay of that feedback within it is not counted again; older ids are forgotten, which"
                        + " keeps the store bounded. ISO-8601, e.g. P30D or PT12H (default P30D).")
        Duration feedbackDedupRetention;

        /** The defaults with what the flags change; throws IllegalArgumentException naming a bad flag value. */
        SelectionConfig selectionConfig() {
            SelectionConfig config = SelectionConfig.defaults();
            if (triggers != null) {
                config = config.withTriggers(triggers.stream().map(TriggerConfig::parse).toList());
            }
            if (dedupMinSimilarity != null) {
                DuplicateSuppression dedup = DuplicateSuppression.defaults();
                config = config.withDuplicates(
                        new DuplicateSuppression(true, dedupMinSimilarity, dedup.horizon(), dedup.perVehicle()));
            }
            if (budgetPerVehicle != null || budgetFleet != null) {
                HarvestBudget budget = HarvestBudget.defaults();
                config = config.withBudget(new HarvestBudget(true,
                        budgetPerVehicle != null ? budgetPerVehicle : budget.perVehicle(),
                        budgetFleet != null ? budgetFleet : budget.fleet(), budget.window(), budget.grace()));
            }
            if (flicker || flickerWindow != null || flickerMinFlips != null) {
                FlickerConfig defaults = FlickerConfig.defaults();
                config = config.withFlicker(new FlickerConfig(true,
                        flickerWindow != null ? flickerWindow : defaults.window(),
                        flickerMinFlips != null ? flickerMinFlips : defaults.minFlips(),
                        defaults.actionJump(), defaults.humanSmooth(), defaults.maxGap()));
            }
            if (feedbackDedupRetention != null) {
                config = config.withYield(config.yield().withFeedbackDedupRetention(feedbackDedupRetention));
            }
            return config;
        }

        @Override
        public Integer call() throws InterruptedException {
            SelectionConfig selection;
            try {
                selection = selectionConfig();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            SelectionMetrics metrics = new SelectionMetrics();
            return runStage("select", SelectionTopology.APPLICATION_ID, connection, streams, ops, Map.of(),
                    b -> SelectionTopology.build(b, selection, metrics),
                    endpoint -> {
                        SelectionMeters meters = new SelectionMeters(metrics);
                        endpoint.bind(meters);
                        endpoint.beforeScrape(meters::registerNewTriggers);
                    },
                    () -> LOG.info("selection stopped: {} seen, {} harvested, fired by trigger {}, {} duplicates,"
                                    + " {} over budget, {} late, campaigns over budget {}, trigger yields {}",
                            metrics.framesSeen(), metrics.harvested(), metrics.firedByTrigger(), metrics.duplicates(),
                            metrics.overBudget(), metrics.late(), metrics.campaignOverBudget(), metrics.triggerYields()));
        }
    }

    @Command(name = "queue-sink", mixinStandardHelpOptions = true,
            description = "Write edge-cases into the PostgreSQL labeling queue (idempotent).")
    static final class QueueSink implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin StreamsOptions streams;
        @Mixin OpsOptions ops;

        /** The stream thread, the database gauges, and one to spare. */
        private static final int POOL_SIZE = 3;

        @Override
        public Integer call() throws InterruptedException {
            try (HikariDataSource pool = connection.database().pool("gleaner-queue-sink", POOL_SIZE)) {
                TaskStore store = new TaskStore(pool);
                return runStage("queue-sink", TaskSinkTopology.APPLICATION_ID, connection, streams, ops, Map.of(),
                        b -> TaskSinkTopology.build(b, store),
                        endpoint -> watchDatabase(endpoint, pool, EnumSet.of(DatabaseGauges.Reading.QUEUE_DEPTH)),
                        () -> LOG.info("queue sink stopped"));
            }
        }
    }

    @Command(name = "feedback-relay", mixinStandardHelpOptions = true,
            description = "Publish to label-feedback, once per task labeled in the queue, which triggers harvested the"
                    + " frame and whether its final label showed the model wrong; selection learns trigger yield from"
                    + " it. Exactly once across crashes; run one per deployment.")
    static final class FeedbackRelay implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin OpsOptions ops;
        @Spec CommandSpec spec;

        @Option(names = "--interval", defaultValue = "PT2S",
                description = "How often to look for new labels (ISO-8601 duration, default ${DEFAULT-VALUE}).")
        Duration interval;

        @Option(names = "--page-size", defaultValue = "500",
                description = "Labels per Kafka transaction, 1..10000 (default ${DEFAULT-VALUE}).")
        int pageSize;

        @Option(names = "--error-tolerance", defaultValue = "0.1",
                description = "A label's steering or acceleration further than this from the model's is a model error,"
                        + " as is another scene class than the model's most probable (default ${DEFAULT-VALUE}).")
        float errorTolerance;

        @Option(names = "--transactional-id", defaultValue = FeedbackRelayConfig.DEFAULT_TRANSACTIONAL_ID,
                description = "Kafka transactional id; a relay started with the same id fences this one"
                        + " (default ${DEFAULT-VALUE}).")
        String transactionalId;

        FeedbackRelayConfig relayConfig() {
            try {
                return new FeedbackRelayConfig(transactionalId, pageSize, interval,
                        new ModelErrorRule(errorTolerance, errorTolerance));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            FeedbackRelayConfig config = relayConfig();
            // The relay loop and the database gauges.
            try (HikariDataSource pool = connection.database().pool("gleaner-feedback-relay", 2);
                 ShutdownSignal signal = new ShutdownSignal("feedback-relay");
                 OpsEndpoint endpoint = OpsEndpoint.open("feedback-relay", ops.config())) {
                watchDatabase(endpoint, pool, EnumSet.of(DatabaseGauges.Reading.LABELS_LAST_HOUR));
                return FeedbackRelayLoop.run(pool, connection.kafka(), config, signal::awaitStop) ? 0 : 1;
            }
        }
    }

    @Command(name = "retrain", mixinStandardHelpOptions = true,
            description = "Fine-tune the live model when a trigger fires (new labels, a schedule, a drift alarm, an admin's"
                    + " request), gate it, and publish it to model-updates; one run at a time across instances.")
    static final class Retrain implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin OpsOptions ops;

        @Option(names = "--models-dir", defaultValue = "${env:GLEANER_MODELS_DIR:-gleaner-data/models}",
                description = "Where model artifacts are written; scorers must see the same path (default ${DEFAULT-VALUE}).")
        Path modelsDir;

        @Option(names = "--min-new-labels", defaultValue = "100",
                description = "New labels that start a run, 0 = this trigger off (default ${DEFAULT-VALUE}).")
        int minNewLabels;

        @Option(names = "--every", defaultValue = "PT0S",
                description = "Schedule: start a run this long after the last finished one if any label arrived"
                        + " (ISO-8601, PT0S = off, default ${DEFAULT-VALUE}).")
        Duration every;

        @Option(names = "--drift", description = "Drift alarm: start a run when the harvest rate over --drift-window"
                + " reaches --drift-factor times its rate over the --drift-baseline before, and some label arrived.")
        boolean drift;

        @Option(names = "--drift-window", defaultValue = "PT1H", description = "Drift alarm's recent window (default ${DEFAULT-VALUE}).")
        Duration driftWindow;

        @Option(names = "--drift-baseline", defaultValue = "PT24H",
                description = "Drift alarm's baseline, the window before the recent one (default ${DEFAULT-VALUE}).")
        Duration driftBaseline;

        @Option(names = "--drift-factor", defaultValue = "3", description = "Drift alarm's factor, > 1 (default ${DEFAULT-VALUE}).")
        double driftFactor;

        @Option(names = "--drift-min-tasks", defaultValue = "20",
                description = "Tasks the recent window must hold before the alarm can sound (default ${DEFAULT-VALUE}).")
        int driftMinTasks;

        @Option(names = "--no-manual", negatable = false,
                description = "Ignore retrains admins ask for with POST /api/v1/retrain.")
        boolean noManual;

        @Option(names = "--interval", defaultValue = "PT30S", description = "How often to check (ISO-8601 duration, default ${DEFAULT-VALUE}).")
        Duration interval;

        @Option(names = "--seed-wait", defaultValue = "PT10M",
                description = "How long to wait for --seed-frames frames on frames.valid (default ${DEFAULT-VALUE}).")
        Duration seedWait;

        @Option(names = "--seed-frames", defaultValue = "2000",
                description = "Frames read from frames.valid at start: replayed in every fine-tune, and the seed's training set"
                        + " when no model is live (default ${DEFAULT-VALUE}).")
        int seedFrames;

        @Option(names = "--seed-epochs", defaultValue = "" + LoopConfig.DEMO_SEED_EPOCHS,
                description = "Epochs of the seed's training when no model is live (default ${DEFAULT-VALUE}: on 2,000"
                        + " simulated frames the seed's own error stopped falling there).")
        int seedEpochs;

        @Option(names = "--golden-set", paramLabel = "FILE",
                description = "Label Studio JSON export of frames drawn from the fleet at random, each labeled once:"
                        + " every candidate is measured on it and rejected if more than --gate-golden-tolerance worse"
                        + " than the live model; its frames are never trained on. Default: none (held-out labels"
                        + " only).")
        Path goldenSet;

        @Option(names = "--gate-margin", defaultValue = "0",
                description = "How much lower the candidate's action error on held-out labels must be than the live"
                        + " model's, absolute (default ${DEFAULT-VALUE}: not worse).")
        double gateMargin;

        @Option(names = "--gate-golden-tolerance", defaultValue = "0.05",
                description = "How much worse, relative, the candidate's action error on the golden set may be"
                        + " (default ${DEFAULT-VALUE}).")
        double gateGoldenTolerance;

        @Option(names = "--fine-tune-scope", defaultValue = "all",
                description = "Which weights a fine-tune trains: all, last-stage (the backbone's last convolution and"
                        + " its embedding layer, and the heads) or heads (default ${DEFAULT-VALUE}: on the fleet"
                        + " simulator a frozen backbone learned less from the labels).")
        String fineTuneScope;

        @Option(names = "--gate-min-held-out", defaultValue = "5",
                description = "Held-out labels the gate needs before a run starts (default ${DEFAULT-VALUE}).")
        int gateMinHeldOut;

        @Override
        public Integer call() throws InterruptedException {
            // Bad gate settings and a bad golden set fail here, before anything connects.
            RetrainConfig config = RetrainConfig.defaults().withTriggers(triggers()).withModelsDir(modelsDir)
                    .withFineTune(TrainingConfig.fineTuneDefaults()
                            .withScope(FineTuneScope.fromOptionValue(fineTuneScope)))
                    .withGate(EvaluationGate.defaults().withMinHeldOut(gateMinHeldOut).withMargin(gateMargin)
                            .withGoldenTolerance(gateGoldenTolerance));
            List<LabeledExample> golden = goldenSet();
            var dataSource = connection.database().dataSource();
            ModelRegistry registry = new ModelRegistry(dataSource, ModelSpec.DEFAULT_MODEL_NAME);
            Properties props = connection.kafka().properties();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            try (OpsEndpoint endpoint = OpsEndpoint.open("retrain", ops.config());
                 Producer<String, ModelUpdate> producer = new KafkaProducer<>(props,
                    Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer())) {
                watchDatabase(endpoint, dataSource, EnumSet.of(DatabaseGauges.Reading.RETRAIN_RUNS,
                        DatabaseGauges.Reading.LIVE_MODEL, DatabaseGauges.Reading.LABELS_LAST_HOUR));
                // Ordinary driving to replay in every fine-tune (and to clone the seed from, when none is live).
                List<FrameEvent> frames = readValidFrames(seedFrames, registry.live().isPresent());
                RetrainService service = new RetrainService(dataSource, new TaskQueue(dataSource), registry,
                        new ModelPublisher(producer), config, frames, golden);
                if (registry.live().isEmpty()) {
                    try (DrivingModel seed = SeedTrainer.train(ModelSpec.defaults(Scenario.labels()), frames,
                            TrainingConfig.defaults().withEpochs(seedEpochs))) {
                        service.bootstrap(seed);
                    }
                }
                try (ShutdownSignal signal = new ShutdownSignal("retrain")) {
                    do {
                        runOnce(service);
                    } while (!signal.awaitStop(interval));
                }
            }
            return 0;
        }

        private List<LabeledExample> goldenSet() {
            if (goldenSet == null) {
                LOG.info("no --golden-set: candidates are judged on held-out labels only");
                return List.of();
            }
            GoldenSet set = GoldenSet.load(goldenSet);
            LOG.info("golden set {}: {} labeled frames (SHA-256 {}), {} tasks refused", set.source(),
                    set.examples().size(), set.sha256(), set.refused().size());
            set.refused().forEach(reason -> LOG.warn("golden set {}: refused {}", set.source(), reason));
            return set.examples();
        }

        private RetrainTriggers triggers() {
            DriftAlarm alarm = new DriftAlarm(drift, driftWindow, driftBaseline, driftFactor, driftMinTasks);
            return new RetrainTriggers(minNewLabels, every, alarm, !noManual);
        }

        /** One pass; a failed run is recorded by the service and retried on the next pass, not fatal. */
        private void runOnce(RetrainService service) {
            try {
                service.runIfDue().ifPresent(run -> LOG.info("retrain run {}: {} v{} ({})",
                        run.runId(), run.outcome().databaseValue(), run.candidateVersion(), run.reason()));
            } catch (RuntimeException e) {
                LOG.error("retrain pass failed; trying again in {}: {}", interval, e.toString(), e);
            }
        }

        /**
         * Reads up to {@code count} frames from the start of frames.valid. With a live model the
         * frames are only replay, so after {@code --seed-wait} it goes on with what it has; without
         * one it cannot train a seed, and says so.
         */
        private List<FrameEvent> readValidFrames(int count, boolean modelIsLive) {
            Properties props = connection.kafka().properties();
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            List<FrameEvent> frames = new ArrayList<>(count);
            try (KafkaConsumer<String, FrameEvent> consumer = new KafkaConsumer<>(props,
                    Topics.FRAMES_VALID.keySerde().deserializer(), Topics.FRAMES_VALID.valueSerde().deserializer())) {
                // No consumer group: every start reads the same frames from the beginning.
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.FRAMES_VALID.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.nanoTime() + seedWait.toNanos();
                while (frames.size() < count && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofSeconds(1)).forEach(r -> frames.add(r.value()));
                    LOG.info("{}/{} frames read from {}", frames.size(), count, Topics.FRAMES_VALID);
                }
            }
            if (frames.size() < count && !modelIsLive) {
                throw new IllegalStateException("only " + frames.size() + " of the " + count + " frames needed to train"
                        + " the seed model arrived on " + Topics.FRAMES_VALID + " within " + seedWait
                        + "; start the fleet (or gleaner simulate), or lower --seed-frames");
            }
            return frames.subList(0, Math.min(count, frames.size()));
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = "Publish simulated fleet frames to frames.raw; truth goes to a file, out of band.")
    static final class Simulate implements Callable<Integer> {
        private static final long PROGRESS_EVERY_NANOS = 500_000_000L;

        @Mixin ConnectionOptions connection;

        @Option(names = "--frames", defaultValue = "10000", description = "Frames to publish (default ${DEFAULT-VALUE}).")
        int frames;

        @Option(names = "--rate", defaultValue = "0",
                description = "Frames per second per vehicle, 0 = as fast as possible (default ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--vehicles", defaultValue = "4", description = "Vehicles in the fleet, 1..1000 (default ${DEFAULT-VALUE}).")
        int vehicles;

        @Option(names = "--size", defaultValue = "64",
                description = "Frame width and height in pixels, 32..224 (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--encoding", defaultValue = "PNG", description = "PNG or JPEG (default ${DEFAULT-VALUE}).")
        FrameEncoding encoding;

        @Option(names = "--jpeg-quality", defaultValue = "0.85",
                description = "JPEG quality, 0.05..1; lower means more artifacts (default ${DEFAULT-VALUE}).")
        double jpegQuality;

        @Option(names = "--seed", defaultValue = "42", description = "Simulation seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--rare-rate", defaultValue = "0.02",
                description = "Share of rare frames, split evenly between the rare scenarios (default ${DEFAULT-VALUE}).")
        double rareRate;

        @Option(names = "--scenario-rate", paramLabel = "SCENARIO=RATE",
                description = "Rate of one rare scenario, overriding its share of --rare-rate; repeatable. "
                        + "Scenarios: pedestrian_crossing, stopped_vehicle, construction_cones, debris, low_sun_glare.")
        Map<String, Double> scenarioRates = new LinkedHashMap<>();

        @Option(names = "--human-error-rate", defaultValue = "0.01",
                description = "Share of frames where the human driver's action is a mistake (default ${DEFAULT-VALUE}).")
        double humanErrorRate;

        @Option(names = "--truth-file", defaultValue = "${env:GLEANER_TRUTH_FILE:-gleaner-data/truth.jsonl}",
                description = "Where the out-of-band truth goes (default ${DEFAULT-VALUE}).")
        Path truthFile;

        @Override
        public Integer call() throws InterruptedException {
            if (frames < 0 || !(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("--frames must be >= 0 and --rate a finite number >= 0; got "
                        + frames + " and " + rate);
            }
            RareRates rates = RareRates.evenly(rareRate);
            for (Map.Entry<String, Double> entry : scenarioRates.entrySet()) {
                rates = rates.with(Scenario.fromLabel(entry.getKey()), entry.getValue());
            }
            SimulatorConfig config = SimulatorConfig.defaults().withVehicles(vehicles).withSize(size)
                    .withEncoding(encoding).withJpegQuality(jpegQuality).withSeed(seed).withRareRates(rates)
                    .withHumanErrorRate(humanErrorRate);
            FleetSimulator fleet = new FleetSimulator(config);
            double fleetRate = rate * vehicles;
            // Small chunks at low rates keep the pace even; large ones at full speed keep flushes rare.
            int chunk = fleetRate > 0 ? (int) Math.max(1, Math.min(100, fleetRate / 10)) : 100;
            Properties props = connection.kafka().properties();
            Map<Scenario, Integer> rare = new EnumMap<>(Scenario.class);
            long started = System.nanoTime();
            long lastProgress = 0;
            int sent = 0;
            try (Producer<String, byte[]> producer = new KafkaProducer<>(props,
                    Topics.FRAMES_RAW.keySerde().serializer(), Topics.FRAMES_RAW.valueSerde().serializer());
                 TruthLog truth = TruthLog.create(truthFile)) {
                while (sent < frames) {
                    List<SimulatedFrame> batch = fleet.next(Math.min(chunk, frames - sent));
                    FramePublisher.publish(producer, batch, truth);
                    sent += batch.size();
                    for (SimulatedFrame frame : batch) {
                        if (frame.truth().scenario().isRare()) {
                            rare.merge(frame.truth().scenario(), 1, Integer::sum);
                        }
                    }
                    long ahead = fleetRate > 0 ? started + (long) (sent / fleetRate * 1e9) - System.nanoTime() : 0;
                    if (ahead > 0) {
                        TimeUnit.NANOSECONDS.sleep(ahead); // rate control: the fleet's pace, not a wait for state
                    }
                    long now = System.nanoTime();
                    if (now - lastProgress >= PROGRESS_EVERY_NANOS || sent == frames) {
                        lastProgress = now;
                        System.out.print("\r" + progress(sent, rare, now - started) + "   ");
                        System.out.flush();
                    }
                }
            }
            double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
            int rareTotal = rare.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println();
            System.out.printf("simulated %d frames from %d vehicles (%dx%d %s) in %.1f s, %.0f frames/s; "
                            + "%d rare (%.2f%%) %s; truth in %s%n",
                    sent, vehicles, size, size, encoding, seconds, sent / seconds, rareTotal,
                    sent == 0 ? 0.0 : 100.0 * rareTotal / sent, describe(rare), truthFile);
            return 0;
        }

        private String progress(int sent, Map<Scenario, Integer> rare, long elapsedNanos) {
            double seconds = Math.max(1e-9, elapsedNanos / 1e9);
            double perSecond = sent / seconds;
            int rareTotal = rare.values().stream().mapToInt(Integer::intValue).sum();
            String eta = sent >= frames ? "done" : String.format("ETA %.0f s", (frames - sent) / Math.max(1e-9, perSecond));
            return String.format("sent %d/%d frames  %.0f frames/s  rare %d (%.2f%%)  %s", sent, frames, perSecond,
                    rareTotal, sent == 0 ? 0.0 : 100.0 * rareTotal / sent, eta);
        }

        private static String describe(Map<Scenario, Integer> rare) {
            List<String> parts = new ArrayList<>();
            for (Scenario scenario : Scenario.rareScenarios()) {
                parts.add(scenario.label() + " " + rare.getOrDefault(scenario, 0));
            }
            return "(" + String.join(", ", parts) + ")";
        }
    }

    @Command(name = "oracle-labeler", mixinStandardHelpOptions = true,
            description = "Stand-in for people: label queued tasks from the simulator's truth file.")
    static final class OracleLabeler implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Option(names = "--truth-file", defaultValue = "${env:GLEANER_TRUTH_FILE:-gleaner-data/truth.jsonl}",
                description = "The simulator's truth file (default ${DEFAULT-VALUE}).")
        Path truthFile;

        @Option(names = "--interval", defaultValue = "PT5S", description = "How often to look for work (default ${DEFAULT-VALUE}).")
        Duration interval;

        @Override
        public Integer call() throws InterruptedException {
            TruthOracleLabeler labeler = new TruthOracleLabeler(new TaskQueue(connection.database().dataSource()),
                    () -> TruthLog.read(truthFile));
            try (ShutdownSignal signal = new ShutdownSignal("oracle-labeler")) {
                do {
                    int labeled = labeler.labelAllPending();
                    if (labeled > 0) {
                        LOG.info("labeled {} tasks", labeled);
                    }
                } while (!signal.awaitStop(interval));
            }
            return 0;
        }
    }
}
