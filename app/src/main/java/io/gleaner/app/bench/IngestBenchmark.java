package io.gleaner.app.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.ValidationResult;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.FrameEncoding;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench ingest}: frames per second through the ingest stage (the real Kafka Streams
 * application, {@code exactly_once_v2}, on an embedded broker) against the same validation
 * ({@link FrameValidator}) in a plain loop over the same bytes, in one run.
 *
 * <p>Stage figure: N pre-built simulator frames are sent to {@code frames.raw} first, as a backlog
 * (the producer is the fleet's cost, and on two cores it would compete with the stage); the clock
 * runs from when the stage has taken in the first tenth of them (so startup is left out) until it
 * has taken in the last, and the rate is over the nine tenths in between. The commits inside that
 * span (every commit interval the stream thread flushes its producer and commits the transaction)
 * are in the time; the wait for the one after the last frame is not: a stream has no last frame,
 * and that wait is idle time of up to a whole commit interval (1 s tuned): 0.1 to 1.0 s after
 * repetitions of 2.4 to 6.4 s on the quiet machine, noise of up to a fifth of the figure. The benchmark
 * still waits for the consumer group to commit all N (with exactly-once, that is when their
 * transaction, and so their output on {@code frames.valid}, is committed) and prints that rate as
 * well, so no frame counts that did not make it out. One stage
 * application runs through every repetition, as a stage runs for days: it is paused while a
 * repetition's N records go to {@code frames.raw} and resumed to take them in. Each repetition's
 * frame ids carry a suffix of their own, so the dedup store, which keeps every earlier
 * repetition's ids as a running stage's store is never empty, passes them. Loop figure: the same N keys and values
 * through {@link FrameValidator#validate(byte[], byte[])} on one thread, as the stage's one stream
 * thread runs them. The timed repetitions alternate, loop then stage, with the broker up (idle
 * during the loop), so that a change in load from other jobs on the machine's cores weighs on
 * both figures alike: with the loop timed first and the stage minutes later, the ratio followed
 * the load more than the stage. The figures are medians of the timed repetitions; the ratio of
 * each pair is printed too.
 *
 * <p>Warm-up: untimed repetitions of each come first, until the JIT compiler is done with the
 * code they run (it compiled for less than {@value JitWarmUp#QUIET_FRACTION} of a repetition's wall
 * time, by {@link CompilationMXBean}), at most {@code --max-warmups}. The broker and Kafka Streams
 * are a lot of code: on two cores the compiler threads would otherwise take CPU from the stage
 * for the first minutes and the figure would measure the JIT, not the stage.
 *
 * <p>Broker, stage and benchmark share one JVM and the machine's cores, so throughput alone cannot
 * say where a gap comes from. Each stage repetition also prints the CPU time per frame of each
 * group of threads over the timed nine tenths ({@link CpuTimes}): the stage's stream thread (what
 * the loop does, plus Kafka Streams' own work), the stage's client threads, the broker, this
 * benchmark's progress polling, and the JVM's native threads (GC, JIT).
 *
 * <p>{@code --bootstrap-servers} runs the stage against a broker outside this JVM instead, as
 * production does: with the broker in another process on cores of its own (on one machine,
 * {@code taskset}), the stage and the loop share only what is theirs, and the broker's CPU drops
 * out of the figures. The benchmark refuses a broker holding any of Gleaner's topics, since it fills
 * them with simulated frames, and deletes what it made when it ends.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Frames/s of the ingest stage (on an embedded broker, or --bootstrap-servers) against its"
                + " validation in a plain loop.")
public final class IngestBenchmark implements Callable<Integer> {
    private static final String APPLICATION_ID_PREFIX = IngestTopology.APPLICATION_ID + "-bench-";
    private static final long COMMIT_POLL_MS = 10;

    @Option(names = "--frames", defaultValue = "20000", description = "Frames per repetition (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repetitions of each; the median is reported"
            + " (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--max-warmups", defaultValue = "6", description = "Most untimed warm-up repetitions of each;"
            + " warm-up ends earlier once the JIT compiler is quiet (default ${DEFAULT-VALUE}).")
    int maxWarmups;

    @Option(names = "--partitions", defaultValue = "2", description = "Partitions of frames.raw (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--vehicles", defaultValue = "16", description = "Vehicles of the simulated fleet the frames come"
            + " from; frames are keyed by vehicle, so too few leave partitions empty (default ${DEFAULT-VALUE}).")
    int vehicles;

    @Option(names = "--size", defaultValue = "64", description = "Frame width and height in pixels, "
            + SimulatorConfig.MIN_SIDE + ".." + SimulatorConfig.MAX_SIDE + " (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--encoding", defaultValue = "PNG", description = "PNG or JPEG (default ${DEFAULT-VALUE}).")
    FrameEncoding encoding;

    @Option(names = "--stage-config", defaultValue = "tuned", paramLabel = "tuned|default",
            description = "The stage's Streams settings: 'default' = what every role runs with, 'tuned' = with the"
                    + " throughput settings below (default ${DEFAULT-VALUE}).")
    String stageConfig;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Run the stage against this broker"
            + " instead of one in this JVM, e.g. one on cores of its own, as in production. It must hold none of"
            + " Gleaner's topics: the benchmark creates them, fills them and deletes them, with the stage's own.")
    String bootstrapServers;

    @Option(names = "--timeout", defaultValue = "PT5M", description = "Longest wait for one repetition (default ${DEFAULT-VALUE}).")
    Duration timeout;

    /** One sample of N records: keys and values exactly as they go to frames.raw. */
    private record Sample(byte[][] keys, byte[][] values, FrameEvent first, long bytes) {}

    /** Groups of threads whose CPU time a stage repetition reports, in print order. */
    private static final List<String> CPU_GROUPS = List.of(
            "stream thread", "stage clients", "broker", "benchmark", "GC, JIT, other");

    /** One plain-loop repetition: its rate, and the CPU µs per frame of its thread and of every other thread. */
    private record LoopRun(double framesPerSecond, double threadCpuMicros, double otherCpuMicros) {}

    /**
     * One stage repetition: its rate, the CPU time per frame of each thread group, its JIT time, and
     * the share of the time its stream thread was blocked on Kafka.
     */
    private record StageRun(double framesPerSecond, double committedFramesPerSecond, Map<String, Double> cpuMicrosPerFrame,
                            double jitFraction, double blockedFraction) {}

    @Override
    public Integer call() throws Exception {
        requirePositive(frames, "--frames");
        requirePositive(repeats, "--repeats");
        requirePositive(partitions, "--partitions");
        requirePositive(vehicles, "--vehicles");
        requirePositive(maxWarmups, "--max-warmups");
        boolean tuned = switch (stageConfig) {
            case "tuned" -> true;
            case "default" -> false;
            default -> throw new IllegalArgumentException("--stage-config is '" + stageConfig + "'; use tuned or default");
        };
        if (bootstrapServers != null) {
            requireNoGleanerTopics(bootstrapServers);
        }
        IngestConfig config = IngestConfig.defaults();
        Sample sample = buildSample(frames,
                SimulatorConfig.defaults().withVehicles(vehicles).withSize(size).withEncoding(encoding));

        System.out.println("device:     " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        System.out.printf(Locale.ROOT, "conditions: %d frames per repetition, %d repetitions (median) after warm-up"
                        + " until the JIT is quiet (at most %d);"
                        + " %dx%d %s, %d channels, mean %d bytes per record, from %d vehicles; frames.raw %d partitions"
                        + " (frames in each: %s), %s; guarantee exactly_once_v2, 1 stream thread; stage settings: %s%n",
                frames, repeats, maxWarmups, sample.first().getImage().getWidth(), sample.first().getImage().getHeight(),
                sample.first().getImage().getEncoding(), sample.first().getImage().getChannels(),
                sample.bytes() / frames, vehicles, partitions, framesPerPartition(sample, partitions),
                bootstrapServers == null ? "embedded broker in this JVM" : "the broker at " + bootstrapServers,
                tuned ? "tuned " + tuning() : "default");

        JitWarmUp.untilQuiet("loop", maxWarmups, System.out::println, () -> {
            long started = System.nanoTime();
            runLoop(sample, config);
            return System.nanoTime() - started;
        });
        List<LoopRun> loops = new ArrayList<>(repeats);
        List<StageRun> runs = runPairs(sample, config, tuned, loops);
        double[] loop = loops.stream().mapToDouble(LoopRun::framesPerSecond).toArray();
        double[] loopCpu = loops.stream().mapToDouble(LoopRun::threadCpuMicros).toArray();
        double[] loopOtherCpu = loops.stream().mapToDouble(LoopRun::otherCpuMicros).toArray();
        double[] stage = runs.stream().mapToDouble(StageRun::framesPerSecond).toArray();
        double[] pairRatios = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            pairRatios[i] = stage[i] / loop[i];
        }

        double loopMedian = median(loop);
        double stageMedian = median(stage);
        double ratio = stageMedian / loopMedian;
        System.out.println();
        System.out.printf(Locale.ROOT, "%-40s %12s   %s%n", "", "frames/s", "each repetition");
        System.out.printf(Locale.ROOT, "%-40s %12.0f   %s%n", "validation in a plain loop (no Kafka)", loopMedian, format(loop, 0));
        System.out.printf(Locale.ROOT, "%-40s %12.0f   %s%n", "ingest stage (Kafka Streams, EOS v2)", stageMedian, format(stage, 0));
        double[] committed = runs.stream().mapToDouble(StageRun::committedFramesPerSecond).toArray();
        System.out.printf(Locale.ROOT, "%-40s %12.0f   %s%n", "  the same, to the commit after the last", median(committed),
                format(committed, 0));
        System.out.println();
        System.out.printf(Locale.ROOT, "%-40s %12s   %s%n", "CPU time per frame", "median µs", "each repetition");
        System.out.printf(Locale.ROOT, "%-40s %12.1f   %s%n", "plain loop: its one thread", median(loopCpu), format(loopCpu, 1));
        System.out.printf(Locale.ROOT, "%-40s %12.1f   %s%n", "plain loop: GC, JIT, idle broker, other", median(loopOtherCpu),
                format(loopOtherCpu, 1));
        double stageCpuTotal = 0;
        double streamThreadCpu = 0;
        for (String group : CPU_GROUPS) {
            double[] micros = runs.stream().mapToDouble(r -> r.cpuMicrosPerFrame().get(group)).toArray();
            System.out.printf(Locale.ROOT, "%-40s %12.1f   %s%n", "stage: " + group, median(micros), format(micros, 1));
            stageCpuTotal += median(micros);
            if (group.equals(CPU_GROUPS.get(0))) {
                streamThreadCpu = median(micros);
            }
        }
        System.out.printf(Locale.ROOT, "%-40s %12.1f%n", "stage: all threads (sum of medians)", stageCpuTotal);
        double[] jit = runs.stream().mapToDouble(r -> 100 * r.jitFraction()).toArray();
        System.out.printf(Locale.ROOT, "%-40s %12.1f   %s%n", "stage: JIT compiling, % of wall time", median(jit), format(jit, 1));
        double[] blocked = runs.stream().mapToDouble(r -> 100 * r.blockedFraction()).toArray();
        System.out.printf(Locale.ROOT, "%-40s %12.1f   %s%n", "stage: stream thread blocked on Kafka, %", median(blocked),
                format(blocked, 1));
        System.out.printf(Locale.ROOT, "%-40s %12.3f   %s%n", "ratio stage / loop of each pair", median(pairRatios),
                format(pairRatios, 3));
        System.out.printf(Locale.ROOT, "ratio stage / plain loop: %.3f (target >= 0.8)%n", ratio);
        System.out.printf(Locale.ROOT, "RESULT bench-ingest ratio=%.3f frames_per_s=%.0f loop_frames_per_s=%.0f"
                        + " loop_cpu_us=%.1f stream_thread_cpu_us=%.1f stage_cpu_us=%.1f committed_frames_per_s=%.0f%n",
                ratio, stageMedian, loopMedian, median(loopCpu), streamThreadCpu, stageCpuTotal, median(committed));
        return 0;
    }

    /**
     * Settings the benchmark adds to {@link StreamsStage#properties} for throughput: commit (and so
     * end a transaction) less often, and fetch and produce in bigger batches.
     */
    static Properties tuning() {
        Properties props = new Properties();
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2000);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 8 * 1024 * 1024);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 64 * 1024 * 1024);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 512 * 1024);
        return props;
    }

    private static Sample buildSample(int count, SimulatorConfig fleet) {
        // Seeded: the same frames on every run, so runs compare.
        List<SimulatedFrame> made = new FleetSimulator(fleet).next(count);
        byte[][] keys = new byte[count][];
        byte[][] values = new byte[count][];
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            FrameEvent event = made.get(i).event();
            keys[i] = event.getVehicleId().getBytes(StandardCharsets.UTF_8);
            values[i] = event.toByteArray();
            bytes += keys[i].length + values[i].length;
        }
        return new Sample(keys, values, made.get(0).event(), bytes);
    }

    /** How many of the sample's frames land on each partition, as the producer's default partitioner puts them. */
    private static String framesPerPartition(Sample sample, int partitions) {
        int[] counts = new int[partitions];
        for (byte[] key : sample.keys()) {
            counts[Utils.toPositive(Utils.murmur2(key)) % partitions]++;
        }
        return Arrays.toString(counts);
    }

    /** Frames/s of {@link FrameValidator} over the sample, on this thread. */
    private static double runLoop(Sample sample, IngestConfig config) {
        FrameValidator validator = new FrameValidator(config);
        int valid = 0;
        long started = System.nanoTime();
        for (int i = 0; i < sample.values().length; i++) {
            if (validator.validate(sample.keys()[i], sample.values()[i]) instanceof ValidationResult.Valid) {
                valid++;
            }
        }
        long elapsed = System.nanoTime() - started;
        requireAllValid(valid, sample.values().length, "the plain loop");
        return sample.values().length / (elapsed / 1e9);
    }

    /** One timed loop repetition: its rate and the CPU time per frame of its thread and of the rest of the JVM. */
    private LoopRun timeLoop(Sample sample, IngestConfig config) {
        long threadBefore = currentThreadCpuNanos();
        long processBefore = CpuTimes.processNanos();
        double rate = runLoop(sample, config);
        long thread = currentThreadCpuNanos() - threadBefore;
        long other = Math.max(0, CpuTimes.processNanos() - processBefore - thread);
        System.out.printf(Locale.ROOT, "loop run: %.0f frames/s; CPU µs per frame: its thread %.1f, rest of the JVM %.1f%n",
                rate, thread / 1e3 / frames, other / 1e3 / frames);
        return new LoopRun(rate, thread / 1e3 / frames, other / 1e3 / frames);
    }

    /**
     * The stage's figures, one entry per timed repetition, each timed right after one repetition of
     * the plain loop, whose figures go to {@code loops}: the two alternate so that a change in the
     * machine's load (other jobs on the shared cores) weighs on both alike, not on whichever ran in
     * that minute.
     */
    private List<StageRun> runPairs(Sample sample, IngestConfig config, boolean tuned, List<LoopRun> loops)
            throws Exception {
        Path workDir = Files.createTempDirectory("gleaner-bench-ingest-");
        String applicationId = APPLICATION_ID_PREFIX + "stage";
        // A null resource is not closed: with --bootstrap-servers there is no broker of our own.
        try (EmbeddedKafka kafka = bootstrapServers == null ? EmbeddedKafka.start(workDir.resolve("kafka")) : null) {
            if (kafka == null) {
                try {
                    return runPairsOn(bootstrapServers, sample, config, tuned, loops, applicationId, workDir);
                } finally {
                    deleteBenchTopics(bootstrapServers, applicationId);
                }
            }
            return runPairsOn(kafka.bootstrapServers(), sample, config, tuned, loops, applicationId, workDir);
        } finally {
            deleteQuietly(workDir);
        }
    }

    /** {@link #runPairs} on the broker at {@code servers}, through a stage whose state lives under {@code workDir}. */
    private List<StageRun> runPairsOn(String servers, Sample sample, IngestConfig config, boolean tuned,
                                      List<LoopRun> loops, String applicationId, Path workDir) throws Exception {
        TopicAdmin.createMissing(servers, partitions, (short) 1);
        Properties props = StreamsStage.properties(applicationId, servers, workDir.resolve("state"), true);
        if (tuned) {
            props.putAll(tuning());
        }
        IngestMetrics metrics = new IngestMetrics();
        AtomicReference<KafkaStreams> streams = new AtomicReference<>();
        List<StageRun> runs = new ArrayList<>(repeats);
        try (GroupOffsets offsets = new GroupOffsets(servers);
             Producer<byte[], byte[]> producer = benchProducer(servers);
             StreamsStage stage = StreamsStage.start(applicationId, props,
                     b -> IngestTopology.build(b, config, metrics), Duration.ofMinutes(2), streams::set)) {
            RunningStage running = new RunningStage(stage, streams.get(), metrics, offsets, producer);
            int[] warmups = {0};
            JitWarmUp.untilQuiet("stage", maxWarmups, System.out::println, () -> {
                long started = System.nanoTime();
                runStageOnce("stage warm-up", ++warmups[0], sample, running);
                return System.nanoTime() - started;
            });
            for (int run = 1; run <= repeats; run++) {
                loops.add(timeLoop(sample, config));
                runs.add(runStageOnce("stage run", run, sample, running));
            }
        }
        return runs;
    }

    /**
     * Refuses a broker that holds any of Gleaner's topics: the benchmark fills {@code frames.raw}
     * and {@code frames.valid} with simulated frames and deletes them after, which on a broker that
     * a running Gleaner uses would feed its stages and then take their data away.
     */
    private static void requireNoGleanerTopics(String servers) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            Set<String> existing = admin.listTopics().names().get();
            List<String> gleaner = Topics.all().stream().map(Topic::name).filter(existing::contains).toList();
            if (!gleaner.isEmpty()) {
                throw new IllegalArgumentException("--bootstrap-servers " + servers + " already has Gleaner's topics "
                        + gleaner + "; bench ingest writes frames to them and deletes them after, so give it a"
                        + " broker of its own");
            }
        }
    }

    /** Deletes the topics the benchmark made on an outside broker (Gleaner's and the stage's own) and the stage's group. */
    private static void deleteBenchTopics(String servers, String applicationId) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            Set<String> gleaner = Topics.all().stream().map(Topic::name).collect(Collectors.toSet());
            List<String> made = admin.listTopics().names().get().stream()
                    .filter(name -> gleaner.contains(name) || name.startsWith(applicationId + "-"))
                    .toList();
            admin.deleteTopics(made).all().get();
            admin.deleteConsumerGroups(List.of(applicationId)).all().get();
            System.out.println("deleted from " + servers + ": topics " + made + " and the group " + applicationId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // The figures are printed; what is left behind makes the next run refuse, with a reason.
            System.out.println("could not delete the benchmark's topics from " + servers + ": " + e.getCause().getMessage());
        }
    }

    /** The one stage application every repetition runs through, and what feeds and watches it. */
    private record RunningStage(StreamsStage stage, KafkaStreams streams, IngestMetrics metrics, GroupOffsets offsets,
                                Producer<byte[], byte[]> producer) {
        String applicationId() {
            return stage.applicationId();
        }
    }

    private StageRun runStageOnce(String label, int run, Sample sample, RunningStage running) throws InterruptedException {
        IngestMetrics metrics = running.metrics();
        String applicationId = running.applicationId();
        int count = sample.values().length;
        long startOffset = running.offsets().end(Topics.FRAMES_RAW.name());
        long receivedBefore = metrics.received();
        long acceptedBefore = metrics.accepted();
        // The input is in frames.raw before the stage goes on, as a backlog: the producer is the
        // fleet's cost, not the stage's, and on 2 cores it would otherwise compete with the stage.
        // Each repetition's frame ids are its own, or the dedup store would drop them as re-sends.
        String idSuffix = "~" + label.replace(' ', '-') + "-" + run;
        running.streams().pause();
        for (int i = 0; i < count; i++) {
            running.producer().send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), sample.keys()[i],
                    withFrameIdSuffix(sample.values()[i], idSuffix)));
        }
        running.producer().flush();
        running.streams().resume();
        // The clock starts when the stage has taken in the first tenth of the backlog (what it
        // buffered while paused, and the catching up after) and stops when it has taken in all N.
        long deadline = System.nanoTime() + timeout.toNanos();
        int warmFrames = Math.max(1, count / 10);
        while (metrics.received() - receivedBefore < warmFrames) {
            awaitProgress(running, deadline, count, startOffset);
        }
        long started = System.nanoTime();
        long jitMsAtStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        CpuTimes cpuAtStart = CpuTimes.now();
        long processCpuAtStart = CpuTimes.processNanos();
        double blockedNanosAtStart = blockedNanos(running.streams());
        // Asking the broker for committed offsets costs CPU on these same cores: watch the
        // in-memory counter until every frame is processed, and only then the commit.
        while (metrics.received() - receivedBefore < count) {
            awaitProgress(running, deadline, count, startOffset);
        }
        long elapsed = System.nanoTime() - started;
        double blockedFraction = (blockedNanos(running.streams()) - blockedNanosAtStart) / elapsed;
        double jitFraction = (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitMsAtStart)
                * 1e6 / elapsed;
        long processCpu = CpuTimes.processNanos() - processCpuAtStart;
        Map<String, Long> cpu = CpuTimes.now().since(cpuAtStart, name -> threadGroup(name, applicationId));
        while (running.offsets().committed(applicationId, Topics.FRAMES_RAW.name()) < startOffset + count) {
            awaitProgress(running, deadline, count, startOffset);
        }
        long untilCommitted = System.nanoTime() - started;
        requireAllValid(metrics.accepted() - acceptedBefore, count, label + " " + run);
        int timed = count - warmFrames;
        double rate = timed / (elapsed / 1e9);
        double committedRate = timed / (untilCommitted / 1e9);
        Map<String, Double> micros = cpuMicrosPerFrame(cpu, processCpu, timed);
        System.out.printf(Locale.ROOT, "%s %d: %d of %d frames processed in %.2f s (%.0f frames/s), all committed"
                        + " %.2f s later (%.0f frames/s to the last commit); JIT compiling %.1f%% of the time;"
                        + " stream thread blocked on Kafka %.1f%% of the time; CPU µs per frame: %s%n",
                label, run, timed, count, elapsed / 1e9, rate, (untilCommitted - elapsed) / 1e9, committedRate,
                100 * jitFraction, 100 * blockedFraction, micros);
        return new StageRun(rate, committedRate, micros, jitFraction, blockedFraction);
    }

    /** {@code value}, a FrameEvent, with {@code suffix} appended to its frame id. */
    private static byte[] withFrameIdSuffix(byte[] value, String suffix) {
        try {
            FrameEvent frame = FrameEvent.parseFrom(value);
            return frame.toBuilder().setFrameId(frame.getFrameId() + suffix).build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the benchmark's own sample frame does not parse", e);
        }
    }

    /**
     * Which of {@link #CPU_GROUPS} a thread belongs to, by the names Kafka gives its threads: the
     * stage's threads carry its application id, the benchmark's clients keep Kafka's default client
     * ids, and every other Java thread in this JVM is the broker's.
     */
    static String threadGroup(String threadName, String applicationId) {
        // Followed by "-": one application's id may be a prefix of another's.
        if (threadName.contains(applicationId + "-")) {
            // The stream thread is named <client id>-StreamThread-<n>; its producer's network
            // thread carries the same text after "kafka-producer-network-thread | ".
            return threadName.contains("-StreamThread-") && !threadName.startsWith("kafka-")
                    ? CPU_GROUPS.get(0) : CPU_GROUPS.get(1);
        }
        if (threadName.equals("main") || threadName.contains("| adminclient-") || threadName.contains("| producer-")) {
            return CPU_GROUPS.get(3);
        }
        return CPU_GROUPS.get(2);
    }

    /** CPU µs per frame by group; the process's CPU time not spent in Java threads is GC, JIT and other. */
    private static Map<String, Double> cpuMicrosPerFrame(Map<String, Long> javaThreadNanos, long processNanos, int frames) {
        Map<String, Double> micros = new LinkedHashMap<>();
        long javaTotal = 0;
        for (String group : CPU_GROUPS.subList(0, CPU_GROUPS.size() - 1)) {
            long nanos = javaThreadNanos.getOrDefault(group, 0L);
            javaTotal += nanos;
            micros.put(group, Math.round(nanos / 1e2 / frames) / 10.0);
        }
        micros.put(CPU_GROUPS.get(CPU_GROUPS.size() - 1), Math.round(Math.max(0, processNanos - javaTotal) / 1e2 / frames) / 10.0);
        return micros;
    }

    /**
     * Nanoseconds the stage's stream thread has spent blocked on Kafka since it started: waiting in
     * the consumer's poll for records, and in the producer's flush and transaction calls when it
     * commits (Kafka Streams' {@code blocked-time-ns-total}, KIP-761).
     */
    private static double blockedNanos(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(m -> m.getKey().group().equals("stream-thread-metrics")
                        && m.getKey().name().equals("blocked-time-ns-total"))
                .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue())
                .sum();
    }

    private static long currentThreadCpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private void awaitProgress(RunningStage running, long deadline, int count, long startOffset)
            throws InterruptedException {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(running.applicationId() + " committed "
                    + (running.offsets().committed(running.applicationId(), Topics.FRAMES_RAW.name()) - startOffset)
                    + " of " + count + " records within " + timeout + " (state " + running.stage().state() + ", "
                    + running.metrics() + "); raise --timeout or look for errors above");
        }
        // Progress is only seen by asking the broker or the counters: poll, briefly.
        TimeUnit.MILLISECONDS.sleep(COMMIT_POLL_MS);
    }

    /** A producer for loading a benchmark's input topic fast: large batches, a large buffer. */
    static Producer<byte[], byte[]> benchProducer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void requireAllValid(long valid, int expected, String where) {
        if (valid != expected) {
            throw new IllegalStateException(where + " accepted " + valid + " of " + expected + " simulator frames;"
                    + " the benchmark needs them all valid, so the stage and the loop do the same work");
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** Each value with {@code decimals} digits after the point, comma-separated. */
    private static String format(double[] values, int decimals) {
        List<String> parts = new ArrayList<>(values.length);
        for (double value : values) {
            parts.add(String.format(Locale.ROOT, "%." + decimals + "f", value));
        }
        return String.join(", ", parts);
    }

    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " (no /proc/cpuinfo)";
        }
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be positive");
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless; the figures are already printed
        }
    }
}
