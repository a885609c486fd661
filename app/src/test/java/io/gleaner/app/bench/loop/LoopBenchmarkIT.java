package io.gleaner.app.bench.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gleaner bench loop --quick}: both arms of the closed loop on their own embedded brokers
 * and databases. Asserts what the benchmark must guarantee (the same labels per round in both
 * arms, the files, the RESULT line last) and what it measures that could fail: the engine's
 * triggers bring the rare-scenario error down further than random harvesting does.
 */
class LoopBenchmarkIT {

    @Test
    void quickRunTheEnginesTriggersReduceTheRareErrorMoreThanRandomWithTheSameLabels(@TempDir Path out)
            throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LoopBenchmark.Result result;
        try (PrintStream print = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            result = LoopBenchmark.run(LoopBenchConfig.quick(), out, print);
        }
        LoopComparison comparison = result.comparison();
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(comparison.sameLabelBudget()).as("labels per round, engine %s vs random %s",
                LoopComparison.labelsPerRound(comparison.engine()), LoopComparison.labelsPerRound(comparison.random()))
                .isTrue();
        assertThat(comparison.labels()).isPositive();
        assertThat(comparison.engine().rareErrorFirst()).as("both arms start from the same seed model")
                .isEqualTo(comparison.random().rareErrorFirst());
        assertThat(comparison.engineReduction()).as("rare-error reduction, engine vs random; printed:%n%s",
                String.join("\n", lines)).isGreaterThan(comparison.randomReduction()).isPositive();
        assertThat(comparison.commonRegression()).as("common-scenario error change of the engine's arm")
                .isLessThanOrEqualTo(LoopBenchmark.TARGET_COMMON_REGRESSION);

        assertThat(Files.readAllLines(result.csv())).hasSize(1 + 2 * (LoopBenchConfig.quick().rounds() + 1));
        assertThat(Files.size(result.png())).isPositive();
        assertThat(lines.get(lines.size() - 1)).startsWith("RESULT bench-loop reduction_ratio=")
                .contains(" common_regression=", " rounds=" + LoopBenchConfig.quick().rounds());
    }
}
