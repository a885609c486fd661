package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.GroupOffsets;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.ModelHolder;
import io.gleaner.scorer.ScorerConfig;
import io.gleaner.scorer.ScorerMetrics;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 8, fault 8: "Slow model (+500 ms per frame): no transaction timeouts, at most one rebalance
 * in 10 minutes". The real scorer stage runs under exactly-once on the real broker, with its
 * {@link ScorerConfig#defaults() default} time limits and {@link ScorerConfig#streamsOverrides()},
 * on a real model wrapped ({@link FaultyModel}) to take 500 ms more per frame; a backlog of frames is
 * waiting when it starts, which is when full batches would form.
 *
 * <p>Asserted: after the first assignment the application never rebalances (its state listener sees
 * no RUNNING → REBALANCING) and no stream thread fails; no producer transaction was aborted (the
 * producers' {@code txn-abort-time-ns-total} stays 0; a transaction the broker timed out would fence
 * the producer, fail the thread and rebalance); no batch took longer than Kafka Streams' default
 * transaction timeout allows (half of it); and every frame is in {@code frames.scored} exactly once.
 *
 * <p>Short form: {@value #SHORT_FRAMES} frames, 30 s of added model time (about a minute and a half
 * in all on the 2-core machine, where each padded batch costs a few hundred ms more); long form
 * ({@code -Pchaos}): {@value #LONG_FRAMES} frames, ten minutes of added model time.
 */
@ExtendWith(GleanerInfrastructure.class)
class SlowModelFaultIT {
    private static final Logger LOG = LoggerFactory.getLogger(SlowModelFaultIT.class);
    private static final int SHORT_FRAMES = 60;
    private static final int LONG_FRAMES = 1_200;
    private static final Duration DELAY_PER_FRAME = Duration.ofMillis(500);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    /** Kafka Streams' default transaction timeout under exactly-once: no batch may come near it. */
    private static final Duration STREAMS_DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void aModelSlowerBy500MsPerFrameCausesNoRebalanceNoAbortedTransactionAndLosesNoFrame(
            Infrastructure infrastructure, @TempDir Path dir) throws Exception {
        int frames = FaultScale.pick(SHORT_FRAMES, LONG_FRAMES);
        String bootstrap = infrastructure.kafkaBootstrapServers();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        String run = "slow-model-" + UUID.randomUUID().toString().substring(0, 8);
        String applicationId = ScorerTopology.APPLICATION_ID + "-" + run;
        ScorerConfig config = new ScorerConfig(run, ScorerConfig.defaults().batchSize(),
                ScorerConfig.defaults().maxBatchDelay());
        List<FrameEvent> sent = new FleetSimulator(SimulatorConfig.defaults()).next(frames).stream()
                .map(f -> f.event().toBuilder().setFrameId(run + "-" + f.event().getFrameId()).build()).toList();
        FaultyModel slow = new FaultyModel(id -> FaultyModel.Fault.NONE, DELAY_PER_FRAME);

        AtomicInteger rebalancesAfterRunning = new AtomicInteger();
        AtomicInteger threadFailures = new AtomicInteger();
        AtomicReference<Boolean> running = new AtomicReference<>(false);
        long started;
        double[] latencies;
        List<Double> transactionAborts;
        try (GroupOffsets offsets = new GroupOffsets(bootstrap);
             ModelHolder holder = new ModelHolder();
             Producer<String, FrameEvent> producer = TestProducers.to(Topics.FRAMES_VALID, bootstrap);
             Producer<String, ModelUpdate> updates = TestProducers.to(Topics.MODEL_UPDATES, bootstrap)) {
            offsets.startAtEnd(applicationId, Topics.FRAMES_VALID.name());
            for (FrameEvent frame : sent) {
                producer.send(new ProducerRecord<>(Topics.FRAMES_VALID.name(), frame.getVehicleId(), frame));
            }
            producer.flush();
            ModelArtifact artifact = saveModel(run, dir);
            updates.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(), run, ModelUpdate.newBuilder()
                    .setModelName(run).setVersion("v1").setArtifactUri(artifact.uri().toString())
                    .setArtifactSha256(artifact.sha256()).build()));
            updates.flush();

            ScorerMetrics metrics = new ScorerMetrics(holder);
            Properties props = StreamsStage.properties(applicationId, bootstrap, dir, true);
            props.putAll(config.streamsOverrides());
            StreamsBuilder builder = new StreamsBuilder();
            ScorerTopology.build(builder, config, holder, metrics, slow);
            started = System.nanoTime();
            // Built here rather than by StreamsStage.start, to count the state changes it would hide.
            try (KafkaStreams streams = new KafkaStreams(builder.build(props), props)) {
                streams.setStateListener((now, before) -> {
                    if (now == KafkaStreams.State.RUNNING) {
                        running.set(true);
                    } else if (now == KafkaStreams.State.REBALANCING && running.get()) {
                        rebalancesAfterRunning.incrementAndGet();
                        LOG.warn("{} rebalanced after its first assignment ({} -> {})", applicationId, before, now);
                    }
                });
                streams.setUncaughtExceptionHandler(e -> {
                    threadFailures.incrementAndGet();
                    LOG.error("{}: stream thread failed: {}", applicationId, e.toString(), e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
                });
                streams.start();
                await("first assignment").atMost(START_TIMEOUT).until(running::get);
                Duration modelTime = DELAY_PER_FRAME.multipliedBy(frames);
                await("every frame scored by the slow model").atMost(modelTime.multipliedBy(2).plusMinutes(1))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> metrics.framesScored() >= frames);
                await("the scores committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> scoredByThisRun(bootstrap, run).size() >= frames);
                latencies = metrics.recentBatchLatenciesMillis(ScorerMetrics.LATENCY_RING);
                transactionAborts = metricValues(streams.metrics(), "txn-abort-time-ns-total");
                streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(30)));
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double slowest = Arrays.stream(latencies).max().orElse(0);
        LOG.info("fault 8 ({} form): {} frames at +{} ms each in {} s; {} batches, mean {} frames, slowest {} ms; "
                + "{} rebalances after the first assignment, {} thread failures, transaction aborts {}",
                FaultScale.form(), frames, DELAY_PER_FRAME.toMillis(), String.format("%.1f", seconds),
                latencies.length, String.format("%.2f", frames / (double) Math.max(1, latencies.length)),
                String.format("%.0f", slowest), rebalancesAfterRunning.get(), threadFailures.get(), transactionAborts);

        assertThat(rebalancesAfterRunning.get()).as("rebalances after the first assignment").isZero();
        assertThat(threadFailures.get()).as("stream threads that failed (a fenced or timed-out transaction)").isZero();
        assertThat(transactionAborts).as("txn-abort-time-ns-total of the stage's producers").isNotEmpty()
                .allSatisfy(nanos -> assertThat(nanos).isZero());
        assertThat(slowest).as("slowest batch, ms").isLessThan(STREAMS_DEFAULT_TRANSACTION_TIMEOUT.toMillis() / 2.0);
        assertThat(scoredByThisRun(bootstrap, run)).extracting(s -> s.getFrame().getFrameId())
                .as("each frame scored exactly once")
                .containsExactlyInAnyOrderElementsOf(sent.stream().map(FrameEvent::getFrameId).toList());
    }

    private static List<Double> metricValues(Map<org.apache.kafka.common.MetricName, ? extends Metric> metrics,
            String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name))
                .map(e -> ((Number) e.getValue().metricValue()).doubleValue()).toList();
    }

    private static List<ScoredFrame> scoredByThisRun(String bootstrap, String run) {
        return TopicReader.readAll(bootstrap, Topics.FRAMES_SCORED).stream().map(ConsumerRecord::value)
                .filter(s -> s.getFrame().getFrameId().startsWith(run)).toList();
    }

    private static ModelArtifact saveModel(String run, Path dir) {
        try (DrivingModel model = DrivingModel.create(new ModelSpec(run, 64, 64, List.of("a", "b"), 16), 5)) {
            return model.save(dir.resolve("model"), "v1", "", DrivingModel.METHOD_RANDOM_INIT, Map.of());
        }
    }
}
