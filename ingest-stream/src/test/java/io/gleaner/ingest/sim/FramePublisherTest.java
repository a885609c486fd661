package io.gleaner.ingest.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.Topics;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FramePublisherTest {
    @TempDir
    Path dir;

    @Test
    void sendsFrameBytesKeyedByVehicleAndLogsEveryTruth() {
        List<SimulatedFrame> frames = new FleetSimulator(SimulatorConfig.defaults()).next(6);
        MockProducer<String, byte[]> producer =
                new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        Path truthFile = dir.resolve("truth.jsonl");
        try (TruthLog log = TruthLog.create(truthFile)) {
            FramePublisher.publish(producer, frames, log);
        }

        List<ProducerRecord<String, byte[]>> sent = producer.history();
        assertThat(sent).hasSize(6);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(sent.get(i).topic()).isEqualTo(Topics.FRAMES_RAW.name());
            assertThat(sent.get(i).key()).isEqualTo(frames.get(i).event().getVehicleId());
            assertThat(sent.get(i).value()).isEqualTo(frames.get(i).event().toByteArray());
        }
        assertThat(TruthLog.read(truthFile)).hasSize(6)
                .containsEntry(frames.get(3).event().getFrameId(), frames.get(3).truth());
    }
}
