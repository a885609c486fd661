package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code gleaner bench scorer --quick} on the embedded broker: all three figures and the RESULT line. */
class ScorerBenchmarkIT {
    @Test
    void aQuickRunMeasuresAllThreeAndEndsWithTheResultLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ScorerBenchmark benchmark = new ScorerBenchmark();
        int exit;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            benchmark.out = capture;
            exit = new CommandLine(benchmark).execute("--quick", "--batch-size", "32");
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(exit).isZero();
        assertThat(printed).contains("device:", "(a) forward passes", "(b) decode + forward", "(c) scorer stage",
                "p50 ms", "RSS:");
        assertThat(printed).as("a flush of a few frames runs a forward pass of as few rows").contains(
                "partial batches, forward CPU µs per frame of the scoring thread: frames 1, rows 1: ", "; frames 8, rows 8: ",
                "; frames 32, rows 32: ");
        List<String> lines = printed.lines().toList();
        String result = lines.get(lines.size() - 1);
        assertThat(result).matches("RESULT bench-scorer stage_ratio=[0-9.]+ decode_share=[0-9.]+ rss_drift=-?[0-9.]+"
                + " device=(cpu|gpu) frames_per_s=[0-9]+");
        double ratio = Double.parseDouble(result.replaceAll(".*stage_ratio=([0-9.]+).*", "$1"));
        assertThat(ratio).as("the stage scored every frame at a measurable rate").isPositive();
    }

    @Test
    void percentilesPickTheValueAtTheirRank() {
        double[] values = {5, 1, 4, 2, 3, 6, 7, 8, 9, 10};
        assertThat(ScorerBenchmark.percentile(values, 0.5)).isEqualTo(6);
        assertThat(ScorerBenchmark.percentile(values, 0.99)).isEqualTo(10);
        assertThat(ScorerBenchmark.percentile(new double[0], 0.5)).isNaN();
    }
}
