package io.gleaner.ingest.sim;

import io.gleaner.schema.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends simulated frames to {@code frames.raw} the way a vehicle would: the {@code FrameEvent}
 * bytes, keyed by vehicle id. Each frame's truth is appended to the {@link TruthLog} before the
 * frame is sent, so anything that sees the frame downstream can already find its truth.
 */
public final class FramePublisher {
    private FramePublisher() {}

    /**
     * Sends {@code frames} in order, then flushes the producer and waits for every send.
     *
     * @throws IllegalStateException naming the first frame whose send failed
     */
    public static void publish(Producer<String, byte[]> producer, List<SimulatedFrame> frames, TruthLog truthLog) {
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(truthLog, "truthLog");
        List<Future<RecordMetadata>> sends = new ArrayList<>(frames.size());
        for (SimulatedFrame frame : frames) {
            truthLog.append(frame.truth());
            sends.add(producer.send(new ProducerRecord<>(
                    Topics.FRAMES_RAW.name(), frame.event().getVehicleId(), frame.event().toByteArray())));
        }
        producer.flush();
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for frames.raw sends to complete", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("sending frame " + frames.get(i).event().getFrameId()
                        + " to " + Topics.FRAMES_RAW.name() + " failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
