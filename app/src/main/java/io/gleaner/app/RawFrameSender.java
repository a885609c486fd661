package io.gleaner.app;

import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.FrameEvent;
import java.io.PrintStream;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends frames from a source to {@code frames.raw}, keyed by their vehicle id (ingest rejects any
 * other key), printing a progress line as it goes. {@link #close()} waits for every send and fails,
 * naming the first frame that did not arrive, when any did not.
 */
final class RawFrameSender implements AutoCloseable {
    private static final int PROGRESS_EVERY = 1000;

    private final Producer<String, byte[]> producer;
    private final PrintStream out;
    private final long startedNanos = System.nanoTime();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private long sent;

    RawFrameSender(KafkaClientSettings kafka, PrintStream out) {
        Properties props = kafka.properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        this.producer = new KafkaProducer<>(props,
                Topics.FRAMES_RAW.keySerde().serializer(), Topics.FRAMES_RAW.valueSerde().serializer());
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Sends one frame; a failed send is remembered and reported by {@link #close()}. */
    void send(FrameEvent frame) {
        String frameId = frame.getFrameId();
        producer.send(new ProducerRecord<>(Topics.FRAMES_RAW.name(), frame.getVehicleId(), frame.toByteArray()),
                (metadata, exception) -> {
                    if (exception == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        firstFailure.compareAndSet(null, "frame " + frameId + ": " + exception);
                    }
                });
        sent++;
        if (sent % PROGRESS_EVERY == 0) {
            out.printf("\rpublished %d frames (%.0f frames/s)", sent, sent / seconds());
        }
    }

    long sent() {
        return sent;
    }

    double seconds() {
        return Math.max(1e-9, (System.nanoTime() - startedNanos) / 1e9);
    }

    /** Flushes, then fails if any send failed; always closes the producer. */
    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            producer.close();
        }
        out.println();
        String failure = firstFailure.get();
        if (failure != null) {
            throw new IllegalStateException((sent - acknowledged.get()) + " of " + sent + " frames did not reach "
                    + Topics.FRAMES_RAW + ", the first " + failure + "; is the broker reachable and the topic created"
                    + " (gleaner create-topics)?");
        }
    }
}
