package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A short {@code gleaner bench ingest} on the embedded broker: the stage, paused and resumed for
 * each repetition, takes in every frame, and the run ends with the RESULT line.
 */
class IngestBenchmarkIT {
    @Test
    void aShortRunTimesTheStageAndTheLoopAndEndsWithTheResultLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new IngestBenchmark()).execute(
                    "--frames", "2000", "--repeats", "2", "--max-warmups", "1", "--vehicles", "16");
        } finally {
            System.setOut(original);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(exit).isZero();
        assertThat(printed).contains("from 16 vehicles; frames.raw 2 partitions (frames in each: [",
                "stage run 2: 1800 of 2000 frames processed", "stage: stream thread blocked on Kafka, %");
        String partitionCounts = printed.replaceAll("(?s).*frames in each: \\[([0-9, ]+)\\].*", "$1");
        assertThat(partitionCounts.split(", ")).as("16 vehicles' frames reach both partitions")
                .hasSize(2).allSatisfy(count -> assertThat(Integer.parseInt(count)).isPositive());
        String result = printed.lines().filter(line -> line.startsWith("RESULT bench-ingest")).findFirst().orElseThrow();
        assertThat(result).matches("RESULT bench-ingest ratio=[0-9.]+ frames_per_s=[0-9]+ loop_frames_per_s=[0-9]+"
                + " loop_cpu_us=[0-9.]+ stream_thread_cpu_us=[0-9.]+ stage_cpu_us=[0-9.]+ committed_frames_per_s=[0-9]+");
        double ratio = Double.parseDouble(result.replaceAll(".*ratio=([0-9.]+) .*", "$1"));
        assertThat(ratio).as("the stage took in every frame at a measurable rate").isPositive();
    }
}
