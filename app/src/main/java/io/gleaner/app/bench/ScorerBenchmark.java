package io.gleaner.app.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerConfig;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.scorer.model.BatchPredictor;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.InferenceOptions;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.scorer.model.PendingScores;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench scorer}: how close the scorer stage comes to the model's own speed. In one
 * run, with the same model, batch size and device, it measures
 * <ol type="a">
 *   <li>forward passes alone, over input tensors made before the clock starts;</li>
 *   <li>the same passes fed from encoded frames: {@code FrameEvent} bytes parsed and images decoded
 *       into the input buffer, as the stage does it: each batch decodes while the predictor's
 *       forward thread runs the batch before it ({@link BatchPredictor#submit});</li>
 *   <li>the scorer stage end to end: the real Kafka Streams application ({@code exactly_once_v2})
 *       on an embedded broker in this JVM, working off a backlog of the same frames in
 *       {@code frames.valid} until all are scored (and then committed, untimed). Untimed warm-up
 *       runs of the stage come first, until the JIT compiler is done with the broker's and Kafka
 *       Streams' code ({@link JitWarmUp}); timed cold, the stage shared the cores with C2.</li>
 * </ol>
 * All three use the scorer's {@link BatchPredictor} with the same options (MC-dropout samples,
 * novelty bank, intra-op threads), so they differ only in where the input comes from. (a) and (b)
 * run in alternating rounds, side by side, so that load from other processes on the machine falls
 * on both alike. Each figure is frames per second over the frames after the first tenth (warm-up:
 * JIT, native allocator, Streams start-up). The decode share is the part of (b)'s time that (a)
 * does not spend: {@code 1 - (b)/(a)}, what decoding adds to the forward passes where it does not
 * overlap them. (b)'s batch times are the intervals between hand-overs (decoding a batch, then
 * waiting for the one before), (a)'s the forward passes themselves. CPU per frame counts the scoring threads: the one that calls the predictor and its
 * forward thread. RSS (resident memory of the whole process, from
 * {@code /proc/self/status}) is read when the stage's clock starts and after its last frame; its
 * drift over the run shows whether native memory leaks per batch. Between (b) and (c) it prints the
 * forward pass's CPU time per frame for batches of 1, 8 and the batch size: what a flush costs when
 * only a few frames wait.
 *
 * <p>The frames are the fleet simulator's (seeded), a pool of distinct images cycled with fresh
 * frame ids, so a 100k-frame run does not hold 100k images in memory. The model is the demo's
 * architecture with freshly initialised weights: the forward pass costs the same as a trained one.
 */
@Command(name = "scorer", mixinStandardHelpOptions = true,
        description = "Frames/s of raw forward passes, decode + forward, and the scorer stage on an embedded broker.")
public final class ScorerBenchmark implements Callable<Integer> {
    private static final String APPLICATION_ID = ScorerTopology.APPLICATION_ID + "-bench";
    private static final int POOL = 1000;
    private static final int QUICK_FRAMES = 2000;
    private static final long POLL_MS = 20;
    private static final int ROUNDS = 5;
    private static final int PARTIAL_ROUNDS = 4;
    /** Frames per untimed warm-up run of the stage (fewer when {@code --frames} is smaller). */
    private static final int WARM_UP_FRAMES = 20_000;
    private static final String FORWARD_THREAD_GROUP = "forward thread";

    @Option(names = "--frames", defaultValue = "100000", description = "Frames per measurement (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--batch-size", defaultValue = "64", description = "Frames per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--intra-op-threads", defaultValue = "0", description = "PyTorch intra-op threads of the"
            + " forward passes, 0 = as the scorer picks them: one less than the cores, at least 1"
            + " (default ${DEFAULT-VALUE}).")
    int intraOpThreads;

    @Option(names = "--max-warmups", defaultValue = "6", description = "Most untimed warm-up runs of the stage;"
            + " warm-up ends earlier once the JIT compiler is quiet (default ${DEFAULT-VALUE}).")
    int maxWarmups;

    @Option(names = "--quick", description = "A short run (" + QUICK_FRAMES + " frames) that checks the benchmark works.")
    boolean quick;

    @Option(names = "--timeout", defaultValue = "PT20M", description = "Longest wait for the stage (default ${DEFAULT-VALUE}).")
    Duration timeout;

    PrintStream out = System.out;

    /**
     * One measurement: frames per second over the timed part, each timed batch's latency in ms, the
     * CPU time per frame of the thread that scored, and of the whole process (µs).
     */
    record Run(double framesPerSecond, double[] batchMillis, double threadCpuMicros, double processCpuMicros) {
        double percentile(double q) {
            return ScorerBenchmark.percentile(batchMillis, q);
        }
    }

    @Override
    public Integer call() throws Exception {
        int n = quick ? Math.min(frames, QUICK_FRAMES) : frames;
        if (maxWarmups < 1) {
            throw new IllegalArgumentException("--max-warmups is " + maxWarmups + "; use at least 1");
        }
        if (n < 10 * batchSize) {
            throw new IllegalArgumentException("--frames is " + n + "; use at least 10 batches (" + 10 * batchSize
                    + ") so a tenth can warm up");
        }
        // The same thread count for every measurement: 0 means the scorer's automatic count.
        int threads = intraOpThreads > 0 ? intraOpThreads : InferenceOptions.automaticIntraOpThreads();
        InferenceOptions defaults = InferenceOptions.defaults();
        InferenceOptions inference = new InferenceOptions(defaults.mcSamples(), defaults.dropoutRate(),
                defaults.referenceBankSize(), defaults.neighbours(), threads);
        ScorerConfig config = new ScorerConfig(ScorerConfig.defaults().modelName(), batchSize,
                ScorerConfig.defaults().maxBatchDelay(), Math.max(ScorerConfig.DEFAULT_MAX_BUFFERED_FRAMES, n),
                inference);
        long rssAtStart = rssBytes();
        List<FrameEvent> pool = pool(Math.min(POOL, n));
        Path workDir = Files.createTempDirectory("gleaner-bench-scorer-");
        try {
            ModelArtifact artifact;
            try (DrivingModel created = DrivingModel.create(ModelSpec.defaults(Scenario.labels()), 42)) {
                artifact = created.save(workDir.resolve("model"), "bench-1", "", DrivingModel.METHOD_RANDOM_INIT,
                        Map.of());
            }
            String device = Engine.getInstance().defaultDevice().toString();
            out.printf(Locale.ROOT, "device:     %s (%s), %s, %d cores, PyTorch intra-op threads %d per scoring"
                            + " thread, inter-op %d; %s %s; load average %.2f%n", device,
                    Engine.getInstance().getEngineName(), IngestBenchmark.cpuModel(),
                    Runtime.getRuntime().availableProcessors(), threads, JniUtils.getNumInteropThreads(),
                    System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            FrameEvent first = pool.get(0);
            out.printf(Locale.ROOT, "conditions: %d frames per measurement (the first tenth untimed), batch %d,"
                            + " %d MC-dropout samples, novelty against %d reference embeddings,"
                            + " model %s %dx%d, %d distinct simulator frames of %dx%d %s (mean %d bytes), cycled;"
                            + " stage: 1 stream thread, 1 partition, exactly_once_v2, embedded broker in this JVM%n",
                    n, batchSize, inference.mcSamples(), inference.referenceBankSize(), DrivingModel.ARCHITECTURE, artifact.manifest().inputWidth(),
                    artifact.manifest().inputHeight(), pool.size(), first.getImage().getWidth(),
                    first.getImage().getHeight(), first.getImage().getEncoding(),
                    pool.stream().mapToLong(f -> f.getSerializedSize()).sum() / pool.size());

            Run raw;
            Run decoded;
            try (DrivingModel model = DrivingModel.load(artifact.dir(), artifact.sha256())) {
                BatchPredictor predictor = model.predictor(batchSize, inference);
                Run[] sideBySide = forwardAndDecode(predictor, pool, n);
                raw = sideBySide[0];
                decoded = sideBySide[1];
                out.printf(Locale.ROOT, "(a) forward passes over pre-made inputs: %.0f frames/s%n", raw.framesPerSecond());
                out.printf(Locale.ROOT, "(b) decode + forward from encoded frames: %.0f frames/s%n",
                        decoded.framesPerSecond());
                partialBatches(predictor, pool);
            }
            long rssBeforeStage = rssBytes();
            StageRun stage = stage(config, artifact, pool, n, workDir);
            out.printf(Locale.ROOT, "(c) scorer stage end to end: %.0f frames/s%n", stage.run().framesPerSecond());

            double stageRatio = stage.run().framesPerSecond() / raw.framesPerSecond();
            double decodeRatio = decoded.framesPerSecond() / raw.framesPerSecond();
            double decodeShare = Math.max(0, 1 - decodeRatio);
            double drift = stage.rssTimedStart() == 0 ? Double.NaN
                    : (double) (stage.rssAfter() - stage.rssTimedStart()) / stage.rssTimedStart();
            out.println();
            out.printf(Locale.ROOT, "%-44s %10s %10s %10s %14s %14s%n", "", "frames/s", "p50 ms", "p99 ms",
                    "thread µs/fr", "process µs/fr");
            print("(a) forward passes, pre-made inputs", raw);
            print("(b) decode + forward, encoded frames", decoded);
            print("(c) scorer stage (Kafka Streams, EOS v2)", stage.run());
            out.printf(Locale.ROOT, "ratios: (c)/(a) %.3f (target >= 0.90), (b)/(a) %.3f; decode share %.1f%%"
                    + " (target <= 15%%)%n", stageRatio, decodeRatio, 100 * decodeShare);
            out.printf(Locale.ROOT, "CPU per frame of the scoring threads (load-independent): (c)/(a) %.3f, (b)/(a) %.3f;"
                            + " decode share %.1f%%; the stage's whole process (broker included) %.0f µs against (a)'s %.0f%n",
                    raw.threadCpuMicros() / stage.run().threadCpuMicros(),
                    raw.threadCpuMicros() / decoded.threadCpuMicros(),
                    100 * Math.max(0, 1 - raw.threadCpuMicros() / decoded.threadCpuMicros()),
                    stage.run().processCpuMicros(), raw.processCpuMicros());
            out.printf(Locale.ROOT, "RSS: %d MiB at start, %d MiB before the stage, %d MiB when its clock started,"
                            + " %d MiB after %d frames: drift %.2f%% (target < 5%%)%n", mib(rssAtStart),
                    mib(rssBeforeStage), mib(stage.rssTimedStart()), mib(stage.rssAfter()), n, 100 * drift);
            if (!java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                    .contains("-XX:+AlwaysPreTouch")) {
                out.println("     the heap was not pre-touched, so RSS also grows as the JVM first touches its heap;"
                        + " for a leak check run with -Xms equal to -Xmx and -XX:+AlwaysPreTouch");
            }
            // RSS counts the JVM heap as it grows towards -Xmx; outside it is native memory (libtorch,
            // RocksDB, direct buffers), where a per-batch leak would show.
            long nativeStart = stage.rssTimedStart() - stage.heapTimedStart();
            long nativeAfter = stage.rssAfter() - stage.heapAfter();
            out.printf(Locale.ROOT, "     of which JVM heap committed %d -> %d MiB (max %d MiB); RSS outside the heap"
                            + " %d -> %d MiB: drift %.2f%%%n", mib(stage.heapTimedStart()), mib(stage.heapAfter()),
                    mib(Runtime.getRuntime().maxMemory()), mib(nativeStart), mib(nativeAfter),
                    100.0 * (nativeAfter - nativeStart) / Math.max(1, nativeStart));
            out.printf(Locale.ROOT, "RESULT bench-scorer stage_ratio=%.3f decode_share=%.3f rss_drift=%.4f device=%s"
                            + " frames_per_s=%.0f%n", stageRatio, decodeShare, drift,
                    device.startsWith("gpu") ? "gpu" : "cpu", stage.run().framesPerSecond());
            return 0;
        } finally {
            deleteQuietly(workDir);
        }
    }

    private void print(String what, Run run) {
        out.printf(Locale.ROOT, "%-44s %10.0f %10.2f %10.2f %14.0f %14.0f%n", what, run.framesPerSecond(),
                run.percentile(0.5), run.percentile(0.99), run.threadCpuMicros(), run.processCpuMicros());
    }

    private static long threadCpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** CPU time of the live thread named {@code name}; 0 when there is none. */
    private static long threadCpuNanos(String name) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(name)) {
                return Math.max(0, java.lang.management.ManagementFactory.getThreadMXBean()
                        .getThreadCpuTime(thread.getId()));
            }
        }
        return 0;
    }

    /**
     * (a) and (b) in {@value #ROUNDS} alternating rounds of {@code n / ROUNDS} frames each. (a): the
     * input buffer is filled from the pool before the clock starts and every batch is a forward
     * pass over it. (b): every batch parses its frames' bytes and decodes their images into the
     * buffer first. The first tenth of each is untimed.
     */
    private Run[] forwardAndDecode(BatchPredictor predictor, List<FrameEvent> pool, int n) throws IOException {
        byte[][] encoded = new byte[pool.size()][];
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = pool.get(i).toByteArray();
        }
        int batches = (n + batchSize - 1) / batchSize;
        int untimed = batches / 10;
        int perRound = (batches - untimed + ROUNDS - 1) / ROUNDS;
        Timer raw = new Timer();
        Timer decoded = new Timer();
        int[] frame = {0};
        PendingScores[] pending = {null};
        Batch decodeNext = count -> {
            for (int i = 0; i < count; i++) {
                predictor.decode(i, FrameEvent.parseFrom(encoded[frame[0]++ % encoded.length]).getImage());
            }
        };
        Batch fromFrames = count -> {
            decodeNext.run(count);
            awaitPending(pending);
            pending[0] = predictor.submit(count);
        };
        for (int b = 0; b < untimed; b++) {
            fromFrames.run(batchSize);
        }
        awaitPending(pending);
        LongSupplier callerCpu = ScorerBenchmark::threadCpuNanos;
        String forwardThread = Thread.currentThread().getName() + BatchPredictor.FORWARD_THREAD_SUFFIX;
        LongSupplier scoringThreadsCpu = () -> threadCpuNanos() + threadCpuNanos(forwardThread);
        for (int timed = 0; timed < batches - untimed; timed += perRound) {
            int rounds = Math.min(perRound, batches - untimed - timed);
            // One batch decoded before the clock starts: (a) scores it again and again.
            decodeNext.run(batchSize);
            raw.time(rounds, batchSize, predictor::score, () -> { }, callerCpu);
            decoded.time(rounds, batchSize, fromFrames, () -> awaitPending(pending), scoringThreadsCpu);
        }
        return new Run[] {raw.run(), decoded.run()};
    }

    private static void awaitPending(PendingScores[] pending) {
        if (pending[0] != null) {
            pending[0].await();
            pending[0] = null;
        }
    }

    /**
     * The forward pass's CPU time per frame when a flush finds only a few frames waiting: batches of
     * 1, 8 and the batch size, each padded to {@link BatchPredictor#paddedRows} rows, alternating so
     * that load falls on all alike. Frames are decoded before each clock starts.
     */
    private void partialBatches(BatchPredictor predictor, List<FrameEvent> pool) {
        int[] sizes = java.util.stream.IntStream.of(1, 8, batchSize).filter(n -> n <= batchSize).distinct().toArray();
        long[] cpu = new long[sizes.length];
        long[] scored = new long[sizes.length];
        int frame = 0;
        for (int round = 0; round < PARTIAL_ROUNDS; round++) {
            for (int k = 0; k < sizes.length; k++) {
                // Every size scores about as many frames, so that each gets a fair share of the time.
                for (int repeat = 0; repeat < batchSize / sizes[k]; repeat++) {
                    for (int slot = 0; slot < sizes[k]; slot++) {
                        predictor.decode(slot, pool.get(frame++ % pool.size()));
                    }
                    long start = threadCpuNanos();
                    predictor.score(sizes[k]);
                    if (round > 0) {
                        cpu[k] += threadCpuNanos() - start;
                        scored[k] += sizes[k];
                    }
                }
            }
        }
        StringBuilder line = new StringBuilder("partial batches, forward CPU µs per frame of the scoring thread:");
        for (int k = 0; k < sizes.length; k++) {
            line.append(String.format(Locale.ROOT, " frames %d, rows %d: %.0f;", sizes[k],
                    BatchPredictor.paddedRows(sizes[k], batchSize), cpu[k] / 1e3 / scored[k]));
        }
        out.println(line.substring(0, line.length() - 1));
    }

    private interface Batch {
        void run(int count) throws IOException;
    }

    /** Sums the time and frames of timed batches, and keeps each batch's latency. */
    private static final class Timer {
        private final List<Double> millis = new ArrayList<>();
        private long nanos;
        private long threadCpu;
        private long processCpu;
        private long frames;

        /**
         * Times {@code batches} runs of {@code batch}, then {@code drain} (the wait for a batch still in
         * flight, which counts in the time but is no batch of its own); {@code cpu} reads the CPU time
         * of the threads that score.
         */
        void time(int batches, int batchSize, Batch batch, Runnable drain, LongSupplier cpu) throws IOException {
            long thread0 = cpu.getAsLong();
            long process0 = CpuTimes.processNanos();
            for (int b = 0; b < batches; b++) {
                long t0 = System.nanoTime();
                batch.run(batchSize);
                long t = System.nanoTime() - t0;
                nanos += t;
                frames += batchSize;
                millis.add(t / 1e6);
            }
            long t0 = System.nanoTime();
            drain.run();
            nanos += System.nanoTime() - t0;
            threadCpu += cpu.getAsLong() - thread0;
            processCpu += CpuTimes.processNanos() - process0;
        }

        Run run() {
            return new Run(frames / (nanos / 1e9), millis.stream().mapToDouble(Double::doubleValue).toArray(),
                    threadCpu / 1e3 / frames, processCpu / 1e3 / frames);
        }
    }

    /** (c) with the process's RSS when the clock started and after the last frame. */
    private record StageRun(Run run, long rssTimedStart, long rssAfter, long heapTimedStart, long heapAfter) {}

    /**
     * (c): untimed warm-up runs of the stage, each a fresh application over a backlog of its own,
     * until the JIT compiler is quiet ({@link JitWarmUp}), then the timed run over {@code n} frames.
     */
    private StageRun stage(ScorerConfig config, ModelArtifact artifact, List<FrameEvent> pool, int n, Path workDir)
            throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"))) {
            TopicAdmin.createMissing(kafka.bootstrapServers(), 1, (short) 1);
            try (GroupOffsets offsets = new GroupOffsets(kafka.bootstrapServers());
                 Producer<byte[], byte[]> producer = IngestBenchmark.benchProducer(kafka.bootstrapServers())) {
                ModelUpdate update = ModelUpdate.newBuilder().setModelName(config.modelName())
                        .setVersion(artifact.manifest().version()).setArtifactUri(artifact.uri().toString())
                        .setArtifactSha256(artifact.sha256()).setCreatedTimeMs(System.currentTimeMillis()).build();
                producer.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(),
                        config.modelName().getBytes(StandardCharsets.UTF_8), update.toByteArray()));
                StageContext context = new StageContext(config, pool, kafka, offsets, producer, workDir);
                int warmFrames = Math.min(n, WARM_UP_FRAMES);
                int[] warmups = {0};
                JitWarmUp.untilQuiet("(c) stage", quick ? 1 : maxWarmups, out::println, () -> {
                    long started = System.nanoTime();
                    StageRun run = runStage(context, APPLICATION_ID + "-warm-up-" + ++warmups[0], warmFrames);
                    out.printf(Locale.ROOT, "(c) warm-up %d: %.0f frames/s%n", warmups[0], run.run().framesPerSecond());
                    return System.nanoTime() - started;
                });
                return runStage(context, APPLICATION_ID, n);
            }
        }
    }

    /** What every run of the stage shares: one broker, its clients, the frames and the settings. */
    private record StageContext(ScorerConfig config, List<FrameEvent> pool, EmbeddedKafka kafka, GroupOffsets offsets,
                                Producer<byte[], byte[]> producer, Path workDir) {}

    /**
     * One run of the stage as application {@code applicationId} over a backlog of {@code n} frames,
     * timed from when it has scored the first tenth (start-up left out) until it has scored the
     * last. The commit after the last frame is waited for, so every frame counted made it out, but
     * not timed: it waits idle for the commit interval, and a stream has no last frame.
     */
    private StageRun runStage(StageContext context, String applicationId, int n) throws Exception {
        GroupOffsets offsets = context.offsets();
        long startOffset = offsets.startAtEnd(applicationId, Topics.FRAMES_VALID.name());
        // A backlog, as in bench ingest: producing is the fleet's cost, not the stage's.
        List<FrameEvent> pool = context.pool();
        for (int i = 0; i < n; i++) {
            FrameEvent frame = pool.get(i % pool.size());
            byte[] value = frame.toBuilder().setFrameId(frame.getFrameId() + "-" + i).build().toByteArray();
            context.producer().send(new ProducerRecord<>(Topics.FRAMES_VALID.name(),
                    frame.getVehicleId().getBytes(StandardCharsets.UTF_8), value));
        }
        context.producer().flush();
        Properties props = StreamsStage.properties(applicationId, context.kafka().bootstrapServers(),
                context.workDir().resolve("state"), true);
        props.putAll(IngestBenchmark.tuning());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        try (ModelHolder holder = new ModelHolder()) {
            ScorerMetrics metrics = new ScorerMetrics(holder);
            try (StreamsStage running = StreamsStage.start(applicationId, props,
                    b -> ScorerTopology.build(b, context.config(), holder, metrics), Duration.ofMinutes(2))) {
                long deadline = System.nanoTime() + timeout.toNanos();
                long warm = n / 10;
                while (metrics.framesScored() < warm) {
                    await(running, metrics, deadline, n);
                }
                long scoredAtStart = metrics.framesScored();
                long batchesAtStart = metrics.batches();
                long started = System.nanoTime();
                long rssTimedStart = rssBytes();
                CpuTimes cpuAtStart = CpuTimes.now();
                long processCpuAtStart = CpuTimes.processNanos();
                long heapTimedStart = Runtime.getRuntime().totalMemory();
                while (metrics.framesScored() < n) {
                    await(running, metrics, deadline, n);
                }
                long elapsed = System.nanoTime() - started;
                long rssAfter = rssBytes();
                long timedFrames = n - scoredAtStart;
                Map<String, Long> groups = CpuTimes.now().since(cpuAtStart, name -> threadGroup(name, applicationId));
                long scoringThreadsCpu = groups.getOrDefault("stream thread", 0L)
                        + groups.getOrDefault(FORWARD_THREAD_GROUP, 0L);
                long processNanos = CpuTimes.processNanos() - processCpuAtStart;
                long heapAfter = Runtime.getRuntime().totalMemory();
                double[] latencies = metrics.recentBatchLatenciesMillis((int) (metrics.batches() - batchesAtStart));
                while (offsets.committed(applicationId, Topics.FRAMES_VALID.name()) < startOffset + n) {
                    await(running, metrics, deadline, n);
                }
                if (applicationId.equals(APPLICATION_ID)) {
                    long javaThreads = groups.values().stream().mapToLong(Long::longValue).sum();
                    StringBuilder split = new StringBuilder();
                    groups.forEach((group, nanos) -> split.append(String.format(Locale.ROOT, "%s %.0f, ", group,
                            nanos / 1e3 / timedFrames)));
                    out.printf(Locale.ROOT, "(c) CPU µs per frame by threads: %sGC, JIT and native %.0f%n", split,
                            Math.max(0, processNanos - javaThreads) / 1e3 / timedFrames);
                }
                return new StageRun(new Run(timedFrames / (elapsed / 1e9), latencies,
                        scoringThreadsCpu / 1e3 / timedFrames, processNanos / 1e3 / timedFrames),
                        rssTimedStart, rssAfter, heapTimedStart, heapAfter);
            }
        }
    }

    /** {@link IngestBenchmark#threadGroup}'s groups, and the stream thread's forward thread on its own. */
    private static String threadGroup(String threadName, String applicationId) {
        if (threadName.contains(applicationId + "-") && threadName.endsWith(BatchPredictor.FORWARD_THREAD_SUFFIX)) {
            return FORWARD_THREAD_GROUP;
        }
        return IngestBenchmark.threadGroup(threadName, applicationId);
    }

    private void await(StreamsStage stage, ScorerMetrics metrics, long deadline, int n) throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the scorer stage scored " + metrics.framesScored() + " of " + n
                    + " frames within " + timeout + " (state " + stage.state() + ", last model error '"
                    + metrics.lastModelLoadError() + "'); raise --timeout or look for errors above");
        }
        TimeUnit.MILLISECONDS.sleep(POLL_MS);
    }

    private static List<FrameEvent> pool(int size) {
        List<FrameEvent> pool = new ArrayList<>(size);
        for (SimulatedFrame frame : new FleetSimulator(SimulatorConfig.defaults()).next(size)) {
            pool.add(frame.event());
        }
        return pool;
    }

    /** The process's resident set size, from {@code /proc/self/status}; 0 where there is none. */
    static long rssBytes() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static double percentile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless; the figures are already printed
        }
    }
}
