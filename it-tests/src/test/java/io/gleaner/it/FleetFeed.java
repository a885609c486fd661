package io.gleaner.it;

import io.gleaner.ingest.poison.PoisonRecord;
import io.gleaner.ingest.poison.PoisonZoo;
import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A fleet that keeps publishing to {@code frames.raw} at a steady rate while a fault test breaks
 * things: simulator frames whose frame and vehicle ids start with the test's run id, with a poison
 * record (every kind of {@link PoisonZoo} but the oversized one, which the broker itself refuses)
 * every {@value #POISON_EVERY} frames and a byte-identical resend of an earlier frame every
 * {@value #RESEND_EVERY}, as a vehicle that retries does. It remembers the ids of the valid frames
 * it sent, each once: exactly what {@code frames.valid} must end up holding.
 *
 * <p>Frames are rendered on the feed's own thread, one chunk every {@value #TICK_MS} ms, so only
 * ids stay in memory however long the run.
 */
final class FleetFeed implements AutoCloseable {
    static final int POISON_EVERY = 100;
    static final int RESEND_EVERY = 200;
    private static final long TICK_MS = 100;
    private static final List<PoisonZoo.Kind> POISON_KINDS = Arrays.stream(PoisonZoo.Kind.values())
            .filter(kind -> kind != PoisonZoo.Kind.OVERSIZED_VALUE).toList();

    private final String run;
    private final int frames;
    private final int framesPerTick;
    private final FleetSimulator simulator;
    private final PoisonZoo zoo;
    private final Producer<byte[], byte[]> producer;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "fleet-feed"));
    private final Set<String> validIds = ConcurrentHashMap.newKeySet();
    private final Deque<FrameEvent> recent = new ArrayDeque<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger poison = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CountDownLatch finished = new CountDownLatch(1);

    /**
     * @param run prefix of every frame and vehicle id, so the test finds its own records on shared topics
     * @param frames valid frames to send in all
     * @param framesPerSecond the fleet's pace
     */
    FleetFeed(String bootstrapServers, String run, int frames, int framesPerSecond, long seed) {
        this.run = run;
        this.frames = frames;
        this.framesPerTick = Math.max(1, (int) (framesPerSecond * TICK_MS / 1000));
        this.simulator = new FleetSimulator(SimulatorConfig.defaults().withSeed(seed));
        this.zoo = new PoisonZoo(seed, run + "-poison", System.currentTimeMillis());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Starts publishing on the feed's thread. */
    void start() {
        ticker.scheduleAtFixedRate(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            int chunk = Math.min(framesPerTick, frames - sent.get());
            for (int i = 0; i < chunk; i++) {
                FrameEvent frame = ownedByThisRun(simulator.next().event());
                send(frame.getVehicleId(), frame.toByteArray());
                validIds.add(frame.getFrameId());
                recent.addLast(frame);
                if (recent.size() > 50) {
                    recent.removeFirst();
                }
                int count = sent.incrementAndGet();
                if (count % POISON_EVERY == 0) {
                    int serial = poison.getAndIncrement();
                    PoisonRecord bad = zoo.make(POISON_KINDS.get(serial % POISON_KINDS.size()),
                            serial / POISON_KINDS.size());
                    producer.send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), bad.key(), bad.value()), this::sent);
                }
                if (count % RESEND_EVERY == 0) {
                    FrameEvent again = recent.peekFirst();
                    send(again.getVehicleId(), again.toByteArray());
                    resent.incrementAndGet();
                }
            }
            producer.flush();
            if (sent.get() >= frames) {
                finish();
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            finish();
        }
    }

    /** Ends the schedule: shutting the ticker down cancels its periodic task. */
    private void finish() {
        finished.countDown();
        ticker.shutdown();
    }

    private void send(String vehicleId, byte[] value) {
        producer.send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), vehicleId.getBytes(StandardCharsets.UTF_8),
                value), this::sent);
    }

    private void sent(RecordMetadata metadata, Exception e) {
        if (e != null) {
            failure.compareAndSet(null, e);
        }
    }

    private FrameEvent ownedByThisRun(FrameEvent frame) {
        return frame.toBuilder().setFrameId(run + "-" + frame.getFrameId())
                .setVehicleId(run + "-" + frame.getVehicleId()).build();
    }

    /** Valid frames sent so far. */
    int sent() {
        return sent.get();
    }

    /** Whether every frame is sent (or sending failed: see {@link #failure()}). */
    boolean done() {
        return finished.getCount() == 0;
    }

    /** Why sending stopped early, if it did. */
    Exception failure() {
        return failure.get();
    }

    /** The ids of the valid frames sent, each once; read it once {@link #done()}. */
    Set<String> validIds() {
        if (!done()) {
            throw new IllegalStateException("the feed is still sending");
        }
        return Set.copyOf(validIds);
    }

    int poisonSent() {
        return poison.get();
    }

    int resent() {
        return resent.get();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        producer.close();
    }

}
