package io.gleaner.ingest.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruthLogTest {
    @TempDir
    Path dir;

    @Test
    void appendedTruthIsReadableAtOnceInTheSameProcess() {
        Path file = dir.resolve("nested/truth.jsonl");
        Truth first = new Truth("vehicle-00-000001-ab", Scenario.PEDESTRIAN_CROSSING, -0.3125f, -0.9f, true);
        Truth second = new Truth("odd \"id\" \\ \n", Scenario.CLEAR_ROAD, 0.1f, 0.2f, false);
        try (TruthLog log = TruthLog.create(file)) {
            log.append(first);
            assertThat(TruthLog.read(file)).containsExactly(Map.entry(first.frameId(), first));
            log.append(second);
            assertThat(TruthLog.read(file)).containsExactly(
                    Map.entry(first.frameId(), first), Map.entry(second.frameId(), second));
        }
    }

    @Test
    void writesOneJsonObjectPerLine() throws IOException {
        Path file = dir.resolve("truth.jsonl");
        try (TruthLog log = TruthLog.create(file)) {
            log.append(new Truth("f-1", Scenario.STOPPED_VEHICLE, 0.5f, -0.4f, false));
        }
        assertThat(Files.readString(file)).isEqualTo(
                "{\"frameId\":\"f-1\",\"scenario\":\"stopped_vehicle\",\"steering\":0.5,\"acceleration\":-0.4,\"humanErred\":false}\n");
    }

    @Test
    void skipsALineStillBeingWrittenAndKeepsEarlierOnesOnReopen() throws IOException {
        Path file = dir.resolve("truth.jsonl");
        Truth truth = new Truth("f-1", Scenario.CLEAR_ROAD, 0f, 0.2f, false);
        try (TruthLog log = TruthLog.create(file)) {
            log.append(truth);
        }
        Files.writeString(file, "{\"frameId\":\"f-2\",\"scen", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(TruthLog.read(file)).containsOnlyKeys("f-1");
    }
}
