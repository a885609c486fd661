package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.ingest.RejectReason;
import io.gleaner.ingest.poison.PoisonZoo;
import io.gleaner.ingest.poison.RawRecord;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 3, Tests: "the simulator at full speed for 20k frames mixed with 1% poison; frames.valid
 * holds exactly the good ones, frames.dlq exactly the bad ones, app still RUNNING" — the real
 * ingest stage under exactly-once on a real broker, fed by a real producer.
 *
 * <p>Other integration tests share the broker (and the ingest application id), so this run's frames
 * and vehicles carry a unique prefix, and outputs are read from the end offsets seen before
 * publishing, filtered by that prefix.
 */
@ExtendWith(GleanerInfrastructure.class)
class IngestStreamIT {
    private static final Logger LOG = LoggerFactory.getLogger(IngestStreamIT.class);
    private static final int GOOD_FRAMES = 20_000;
    private static final double POISON_RATE = 0.01;
    /**
     * Small enough that the oversized poison fits the broker's default 1 MB record limit, yet is
     * refused by ingest; a 64x64 simulator frame is a few KB.
     */
    private static final int MAX_MESSAGE_BYTES = 256 * 1024;
    private static final Duration STAGE_START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration PROCESSING_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    Path stateRoot;

    @Test
    void twentyThousandFramesWithOnePercentPoisonComeOutExactlySplitAndTheStageKeepsRunning(
            Infrastructure infrastructure) throws Exception {
        String bootstrap = infrastructure.kafkaBootstrapServers();
        TopicAdmin.createMissing(bootstrap, 2, (short) 1);
        String run = "ingest-it-" + UUID.randomUUID().toString().substring(0, 8);

        List<RawRecord> good = new FleetSimulator(SimulatorConfig.defaults()).next(GOOD_FRAMES).stream()
                .map(simulated -> ownedByThisRun(simulated.event(), run))
                .map(frame -> RawRecord.good(frame.getFrameId(), utf8(frame.getVehicleId()), frame.toByteArray()))
                .toList();
        PoisonZoo zoo = new PoisonZoo(3, run + "-poison", System.currentTimeMillis(), MAX_MESSAGE_BYTES + 1);
        List<RawRecord> mixed = zoo.mix(good, POISON_RATE, 17);
        List<RawRecord> poison = mixed.stream().filter(RawRecord::isPoison).toList();
        assertThat(poison).hasSize((int) Math.round(GOOD_FRAMES * POISON_RATE));

        IngestMetrics metrics = new IngestMetrics();
        IngestConfig config = IngestConfig.defaults().withMaxMessageBytes(MAX_MESSAGE_BYTES);
        Properties props = StreamsStage.properties(IngestTopology.APPLICATION_ID, bootstrap, stateRoot, true);
        try (OutputReader<String, FrameEvent> valid = new OutputReader<>(bootstrap, Topics.FRAMES_VALID,
                     r -> r.value().getFrameId().startsWith(run));
             OutputReader<byte[], byte[]> dlq = new OutputReader<>(bootstrap, Topics.FRAMES_DLQ,
                     r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith(run));
             StreamsStage stage = StreamsStage.start(IngestTopology.APPLICATION_ID, props,
                     builder -> IngestTopology.build(builder, config, metrics), STAGE_START_TIMEOUT)) {
            long start = System.nanoTime();
            publish(bootstrap, mixed);
            double publishSeconds = (System.nanoTime() - start) / 1e9;

            await("all " + good.size() + " good frames in frames.valid and " + poison.size() + " dead letters")
                    .atMost(PROCESSING_TIMEOUT).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        valid.poll();
                        dlq.poll();
                        return valid.records().size() >= good.size() && dlq.records().size() >= poison.size();
                    });
            double processSeconds = (System.nanoTime() - start) / 1e9;
            LOG.info("IngestStreamIT: {} records ({} poison) published in {} s, all out after {} s ({} records/s); {}",
                    mixed.size(), poison.size(), String.format("%.1f", publishSeconds),
                    String.format("%.1f", processSeconds), Math.round(mixed.size() / processSeconds), metrics);

            assertThat(valid.records()).extracting(r -> r.value().getFrameId())
                    .as("frames.valid holds each good frame once, nothing else")
                    .hasSize(good.size())
                    .containsExactlyInAnyOrderElementsOf(good.stream().map(RawRecord::name).toList());
            assertThat(valid.records()).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().getVehicleId()));
            assertThat(deadLetters(dlq.records())).as("frames.dlq holds each poison record once, with its reason")
                    .hasSize(poison.size())
                    .containsExactlyInAnyOrderElementsOf(expectedDeadLetters(poison));
            assertThat(dlq.records()).allSatisfy(r -> assertThat(new String(
                    r.headers().lastHeader(DlqHeaders.SOURCE_TOPIC).value(), StandardCharsets.UTF_8))
                    .isEqualTo(Topics.FRAMES_RAW.name()));
            assertThat(stage.state()).isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(metrics.rejectedTotal()).isEqualTo(poison.size());
            long undecodable = poison.stream()
                    .filter(p -> p.expectedRejection().orElseThrow() == RejectReason.UNDECODABLE_IMAGE).count();
            assertThat(metrics.decodes()).as("each good frame and each truncated image decoded once, nothing else")
                    .isEqualTo(good.size() + undecodable);
        }
    }

    /** The simulator's frame with this run's prefix on its frame and vehicle ids. */
    private static FrameEvent ownedByThisRun(FrameEvent frame, String run) {
        return frame.toBuilder().setFrameId(run + "-" + frame.getFrameId())
                .setVehicleId(run + "-" + frame.getVehicleId()).build();
    }

    private static void publish(String bootstrap, List<RawRecord> records) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (RawRecord record : records) {
                producer.send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), record.key(), record.value()),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        assertThat(failure.get()).as("every record reached frames.raw").isNull();
    }

    /**
     * Each dead letter as "reason: key, value fingerprint". Poison records of one kind may be
     * byte-identical (every empty value under the zoo's key), so the comparison is of multisets.
     */
    private static List<String> deadLetters(List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        return deadLetters.stream()
                .map(r -> new String(r.headers().lastHeader(DlqHeaders.REASON).value(), StandardCharsets.UTF_8)
                        + ": " + fingerprint(r.key(), r.value()))
                .toList();
    }

    private static List<String> expectedDeadLetters(List<RawRecord> poison) {
        return poison.stream()
                .map(p -> p.expectedRejection().orElseThrow().code() + ": " + fingerprint(p.key(), p.value()))
                .toList();
    }

    private static String fingerprint(byte[] key, byte[] value) {
        return "key " + new String(key, StandardCharsets.UTF_8) + ", " + value.length + " bytes, hash "
                + Arrays.hashCode(value);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a topic read_committed from the end offsets it had when this reader was made, keeping the
     * records that match; each {@link #poll()} reads on from where the last stopped.
     */
    private static final class OutputReader<K, V> implements AutoCloseable {
        private final KafkaConsumer<K, V> consumer;
        private final Predicate<ConsumerRecord<K, V>> mine;
        private final List<ConsumerRecord<K, V>> records = new ArrayList<>();

        OutputReader(String bootstrap, Topic<K, V> topic, Predicate<ConsumerRecord<K, V>> mine) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
            this.consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
            this.mine = mine;
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            // Resolve the positions now, before anything is published: seekToEnd is lazy.
            partitions.forEach(consumer::position);
        }

        /** Reads until a poll comes back empty. */
        void poll() {
            ConsumerRecords<K, V> batch;
            do {
                batch = consumer.poll(Duration.ofMillis(100));
                batch.forEach(record -> {
                    if (mine.test(record)) {
                        records.add(record);
                    }
                });
            } while (!batch.isEmpty());
        }

        List<ConsumerRecord<K, V>> records() {
            return records;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
