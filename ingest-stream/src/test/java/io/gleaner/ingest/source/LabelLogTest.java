package io.gleaner.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.v1.FrameEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelLogTest {
    @TempDir Path dir;

    @Test
    void writesOneJsonLinePerFrameAndKeepsEarlierLines() throws IOException {
        Path file = dir.resolve("labels/fmnist.jsonl");
        try (LabelLog log = LabelLog.create(file)) {
            log.append(new LabeledFrame(FrameEvent.newBuilder().setFrameId("fmnist-train-00000").build(), 0, "T-shirt/top"));
        }
        try (LabelLog log = LabelLog.create(file)) {
            log.append(new LabeledFrame(FrameEvent.newBuilder().setFrameId("a\"b").build(), 9, "Ankle boot"));
        }
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly(
                "{\"frameId\":\"fmnist-train-00000\",\"classIndex\":0,\"label\":\"T-shirt/top\"}",
                "{\"frameId\":\"a\\\"b\",\"classIndex\":9,\"label\":\"Ankle boot\"}");
    }
}
