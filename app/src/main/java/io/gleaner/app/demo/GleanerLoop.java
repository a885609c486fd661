package io.gleaner.app.demo;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.FramePublisher;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.Truth;
import io.gleaner.ingest.sim.TruthLog;
import io.gleaner.queue.LabeledExample;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.LabelFeedbackRelay;
import io.gleaner.retrain.ModelPublisher;
import io.gleaner.retrain.ModelRegistry;
import io.gleaner.retrain.RegisteredModel;
import io.gleaner.retrain.RetrainConfig;
import io.gleaner.retrain.RetrainRun;
import io.gleaner.retrain.RetrainService;
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
import io.gleaner.uncertainty.SelectionMetrics;
import io.gleaner.uncertainty.SelectionTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole active-learning loop on a real broker and a real database: the fleet simulator
 * publishes frames, the four Streams stages (ingest, scorer, selection, queue sink) run as
 * separate Kafka Streams applications, the truth oracle stands in for the labeling team, and
 * the retrain service fine-tunes and hot-swaps the model. Used by {@code gleaner demo}, the
 * closed-loop benchmark and the end-to-end test; it reads the simulator's truth only to label (as
 * people would: the harvested frames, and once a random sample of the fleet as the gate's golden
 * set) and to measure, never to steer the engine.
 */
public final class GleanerLoop {
    private static final Logger LOG = LoggerFactory.getLogger(GleanerLoop.class);
    /** Key of the garbage records the first round publishes to show the dead-letter path. */
    public static final String POISON_KEY = "vehicle-poison";
    private static final Duration STAGE_START_TIMEOUT = Duration.ofMinutes(2);
    private static final int PARTITIONS = 2;
    private static final long SEED_SET_SEED_OFFSET = 1_000_003L;
    private static final long EVAL_SET_SEED_OFFSET = 2_000_003L;
    private static final long GOLDEN_SET_SEED_OFFSET = 3_000_017L;

    private final String bootstrapServers;
    private final DataSource dataSource;
    private final LoopConfig config;
    private final Harvesting harvesting;
    private final Optional<Path> seedModel;

    /** The engine's own harvesting, the seed model trained in the run. */
    public GleanerLoop(String bootstrapServers, DataSource dataSource, LoopConfig config) {
        this(bootstrapServers, dataSource, config, Harvesting.Engine.defaults(), Optional.empty());
    }

    /**
     * @param harvesting which frames get labeled each round
     * @param seedModel a saved model artifact folder to start from instead of training a seed
     *     (the benchmark starts both arms from one seed); used only when no version is live yet
     */
    public GleanerLoop(String bootstrapServers, DataSource dataSource, LoopConfig config, Harvesting harvesting,
                       Optional<Path> seedModel) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.config = Objects.requireNonNull(config, "config");
        this.harvesting = Objects.requireNonNull(harvesting, "harvesting");
        this.seedModel = Objects.requireNonNull(seedModel, "seedModel");
    }

    /** Runs every round, calling {@code onRound} after each; returns what happened. */
    public LoopSummary run(Consumer<RoundReport> onRound) throws Exception {
        Migrations.migrate(dataSource);
        TopicAdmin.createMissing(bootstrapServers, PARTITIONS, (short) 1);
        Path truthFile = config.workDir().resolve("truth.jsonl");
        long seed = config.simulator().seed();

        ModelRegistry registry = new ModelRegistry(dataSource, ModelSpec.DEFAULT_MODEL_NAME);
        TaskQueue queue = new TaskQueue(dataSource);
        ActionErrorProbe probe = new ActionErrorProbe(
                EvaluationFleet.simulator(config.simulator(), seed + EVAL_SET_SEED_OFFSET),
                config.evalFramesPerScenario());

        try (Producer<String, byte[]> frameProducer = new KafkaProducer<>(producerProps(),
                     Topics.FRAMES_RAW.keySerde().serializer(), Topics.FRAMES_RAW.valueSerde().serializer());
             Producer<String, ModelUpdate> updateProducer = new KafkaProducer<>(producerProps(),
                     Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer());
             TruthLog truthLog = TruthLog.create(truthFile)) {

            // The unlabeled frames the seed is cloned from are replayed in every fine-tune.
            List<FrameEvent> unlabeled = new FleetSimulator(config.simulator().withSeed(seed + SEED_SET_SEED_OFFSET))
                    .next(config.seedFrames()).stream().map(SimulatedFrame::event).toList();
            RetrainService retrain = new RetrainService(dataSource, queue, registry, new ModelPublisher(updateProducer),
                    RetrainConfig.defaults()
                            .withFineTune(TrainingConfig.fineTuneDefaults().withScope(config.fineTuneScope()))
                            .withMinNewLabels(config.minNewLabels())
                            .withModelsDir(config.workDir().resolve("models")),
                    unlabeled, goldenSet(seed + GOLDEN_SET_SEED_OFFSET));
            ActionErrorProbe.ActionError first = bootstrapSeedModel(retrain, registry, probe, unlabeled, seed);

            IngestMetrics ingestMetrics = new IngestMetrics();
            SelectionMetrics selectionMetrics = new SelectionMetrics();
            Path stateRoot = config.workDir().resolve("streams-state");
            ModelHolder holder = new ModelHolder();
            ScorerMetrics scorerMetrics = new ScorerMetrics(holder);
            try (holder;
                 GroupOffsets offsets = new GroupOffsets(bootstrapServers);
                 StreamsStage ingest = startStage(IngestTopology.APPLICATION_ID, stateRoot,
                         b -> IngestTopology.build(b, IngestConfig.defaults(), ingestMetrics));
                 StreamsStage scorer = startStage(ScorerTopology.APPLICATION_ID, stateRoot,
                         b -> ScorerTopology.build(b, ScorerConfig.defaults(), holder, scorerMetrics));
                 StreamsStage selection = startStage(SelectionTopology.APPLICATION_ID, stateRoot,
                         b -> SelectionTopology.build(b, harvesting.selection(), selectionMetrics));
                 StreamsStage sink = startStage(TaskSinkTopology.APPLICATION_ID, stateRoot,
                         b -> TaskSinkTopology.build(b, new TaskStore(dataSource)));
                 LabelFeedbackRelay feedback = new LabelFeedbackRelay(dataSource, bootstrapServers,
                         FeedbackRelayConfig.defaults())) {

                FleetSimulator fleet = new FleetSimulator(config.simulator());
                TruthOracleLabeler labeler = new TruthOracleLabeler(queue, () -> TruthLog.read(truthFile));
                List<RoundReport> reports = new ArrayList<>();
                long lastTaskId = 0;
                for (int round = 1; round <= config.rounds(); round++) {
                    List<SimulatedFrame> frames = fleet.next(config.framesPerRound());
                    FramePublisher.publish(frameProducer, frames, truthLog);
                    if (round == 1) {
                        publishPoison(frameProducer);
                    }
                    awaitDrained("round " + round, offsets, scorerMetrics);

                    Map<String, Truth> truth = TruthLog.read(truthFile);
                    List<String> harvestedFrames = frameIdsOfTasksAfter(lastTaskId);
                    lastTaskId = maxTaskId();
                    long harvestedRare = harvestedFrames.stream()
                            .filter(id -> truth.containsKey(id) && truth.get(id).scenario().isRare())
                            .count();
                    double rareBaseRate = frames.stream().filter(f -> f.truth().scenario().isRare()).count()
                            / (double) frames.size();

                    int labeled = label(labeler, round, harvestedFrames);
                    // The labels' verdicts go back to the selection stage, whose trigger yield learns from them.
                    int relayed = feedback.relayOnce();
                    LOG.info("round {}: {} labels, {} label-feedback records to the selection stage", round, labeled,
                            relayed);
                    Optional<RetrainRun> run = retrain.runIfDue();
                    RegisteredModel live = registry.live().orElseThrow();
                    ActionErrorProbe.ActionError error = measure(probe, live);
                    RoundReport report = new RoundReport(round, selectionMetrics.framesSeen(), harvestedFrames.size(),
                            harvestedRare, rareBaseRate, labeled, live.versionString(),
                            run.map(GleanerLoop::describe).orElse("not due"), error.rare(), error.common());
                    reports.add(report);
                    onRound.accept(report);
                }
                LOG.info("ingest: {}", ingestMetrics);
                return new LoopSummary(reports, first.rare(), first.common(), countDeadLetters());
            }
        }
    }

    /** Labels what this round's harvesting says is to be labeled; returns how many labels it gave. */
    private int label(TruthOracleLabeler labeler, int round, List<String> harvestedFrames) {
        if (harvesting instanceof Harvesting.UniformRandom random) {
            return labeler.labelDrawnSkipOthers(draw(harvestedFrames, random.labelsInRound().applyAsInt(round),
                    new Random(random.seed() * 1_000_003L + round)));
        }
        return labeler.labelAllPending();
    }

    /** {@code count} of the frame ids, uniformly at random; the same ids and random draw the same. */
    static Set<String> draw(List<String> frameIds, int count, Random random) {
        List<String> shuffled = new ArrayList<>(frameIds);
        // Task ids follow the order frames left the stages in, which varies run to run; frame ids do not.
        Collections.sort(shuffled);
        Collections.shuffle(shuffled, random);
        return new HashSet<>(shuffled.subList(0, Math.min(count, shuffled.size())));
    }

    /**
     * {@link LoopConfig#goldenFrames()} frames of the {@link EvaluationFleet} (another simulator
     * seed), each labeled with its true scene and action, as a labeling team labels a random sample
     * of the fleet once; never trained on.
     */
    private List<LabeledExample> goldenSet(long goldenSeed) {
        List<LabeledExample> golden = new ArrayList<>(config.goldenFrames());
        List<SimulatedFrame> frames = EvaluationFleet.sample(config.simulator(), goldenSeed, config.goldenFrames());
        for (int i = 0; i < frames.size(); i++) {
            SimulatedFrame frame = frames.get(i);
            var image = frame.event().getImage();
            golden.add(new LabeledExample(-(i + 1L), 0, frame.event().getFrameId(), image.getEncoding().name(),
                    image.getWidth(), image.getHeight(), image.getData().toByteArray(),
                    frame.truth().scenario().label(), frame.truth().steering(), frame.truth().acceleration()));
        }
        return golden;
    }

    private ActionErrorProbe.ActionError bootstrapSeedModel(RetrainService retrain, ModelRegistry registry,
                                                            ActionErrorProbe probe, List<FrameEvent> unlabeled,
                                                            long seed) {
        if (registry.live().isEmpty() && seedModel.isPresent()) {
            LOG.info("starting from the saved seed model {}", seedModel.get());
            try (DrivingModel saved = DrivingModel.load(seedModel.get(), null)) {
                retrain.bootstrap(saved);
            }
        } else if (registry.live().isEmpty()) {
            LOG.info("training the seed model on {} unlabeled frames (behaviour cloning of the human actions)",
                    unlabeled.size());
            try (DrivingModel seedModel = SeedTrainer.train(ModelSpec.defaults(Scenario.labels()), unlabeled,
                    TrainingConfig.defaults().withEpochs(config.seedEpochs()).withSeed(seed))) {
                retrain.bootstrap(seedModel);
            }
        }
        return measure(probe, registry.live().orElseThrow());
    }

    private static ActionErrorProbe.ActionError measure(ActionErrorProbe probe, RegisteredModel live) {
        try (DrivingModel model = DrivingModel.load(Path.of(live.artifactUri()), live.artifactSha256())) {
            return probe.measure(model);
        }
    }

    private static String describe(RetrainRun run) {
        return run.outcome().databaseValue() + " v" + run.candidateVersion() + " (" + run.labelsUsed() + " labels)";
    }

    private StreamsStage startStage(String applicationId, Path stateRoot,
                                    Consumer<org.apache.kafka.streams.StreamsBuilder> topology)
            throws InterruptedException {
        Properties props = StreamsStage.properties(applicationId, bootstrapServers, stateRoot, true);
        if (applicationId.equals(ScorerTopology.APPLICATION_ID)) {
            props.putAll(ScorerConfig.defaults().streamsOverrides());
        }
        return StreamsStage.start(applicationId, props, topology, STAGE_START_TIMEOUT);
    }

    private Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return props;
    }

    /** The {@code i}-th garbage value the first round publishes to frames.raw, keyed {@link #POISON_KEY}. */
    public static byte[] poisonRecord(int i) {
        return ("not a FrameEvent #" + i).getBytes(StandardCharsets.UTF_8);
    }

    private void publishPoison(Producer<String, byte[]> producer) {
        for (int i = 0; i < config.poisonRecords(); i++) {
            producer.send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), POISON_KEY, poisonRecord(i)));
        }
        producer.flush();
    }

    /**
     * Waits until every stage has read and committed all of its input and the scorer holds no
     * frame in its batch buffer, on two checks in a row 250 ms apart. One check is not enough:
     * frames the scorer has just flushed leave its buffer before its transaction commits (every
     * 100 ms under exactly-once), and until then the selection stage cannot see them. Each
     * stage's committed offsets and its output become visible in the same transaction, so
     * reading the lags from the first stage to the last cannot miss work in flight.
     */
    private void awaitDrained(String what, GroupOffsets offsets, ScorerMetrics scorer) throws InterruptedException {
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        int quietChecks = 0;
        while (quietChecks < 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": the stages did not catch up within " + config.drainTimeout()
                        + " (" + describeLag(offsets, scorer) + "); see the log above for a failing stage");
            }
            // Polling offsets: there is no event to wait on across four applications.
            Thread.sleep(250);
            quietChecks = isDrained(offsets, scorer) ? quietChecks + 1 : 0;
        }
    }

    private boolean isDrained(GroupOffsets offsets, ScorerMetrics scorer) throws InterruptedException {
        return offsets.lag(IngestTopology.APPLICATION_ID, Topics.FRAMES_RAW.name()) == 0
                && offsets.lag(ScorerTopology.APPLICATION_ID, Topics.FRAMES_VALID.name()) == 0
                && scorer.framesWaiting() == 0
                && offsets.lag(SelectionTopology.APPLICATION_ID, Topics.FRAMES_SCORED.name()) == 0
                && offsets.lag(TaskSinkTopology.APPLICATION_ID, Topics.EDGE_CASES.name()) == 0;
    }

    private String describeLag(GroupOffsets offsets, ScorerMetrics scorer) throws InterruptedException {
        return "lag: ingest " + offsets.lag(IngestTopology.APPLICATION_ID, Topics.FRAMES_RAW.name())
                + ", scorer " + offsets.lag(ScorerTopology.APPLICATION_ID, Topics.FRAMES_VALID.name())
                + " (+" + scorer.framesWaiting() + " buffered)"
                + ", selection " + offsets.lag(SelectionTopology.APPLICATION_ID, Topics.FRAMES_SCORED.name())
                + ", queue sink " + offsets.lag(TaskSinkTopology.APPLICATION_ID, Topics.EDGE_CASES.name());
    }

    private long maxTaskId() {
        return queryLong("SELECT coalesce(max(task_id), 0) FROM edge_case_tasks");
    }

    private long queryLong(String sql) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    private List<String> frameIdsOfTasksAfter(long taskId) {
        String sql = "SELECT frame_id FROM edge_case_tasks WHERE task_id > ? ORDER BY task_id";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, taskId);
            List<String> ids = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    /** Reads frames.dlq from the start to its end and counts the records. */
    private long countDeadLetters() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FRAMES_DLQ.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long count = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> ignored : consumer.poll(Duration.ofMillis(200))) {
                    count++;
                }
            }
            return count;
        }
    }
}
