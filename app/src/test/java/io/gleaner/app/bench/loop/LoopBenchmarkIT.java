package io.gleaner.app.bench.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.demo.LoopSummary;
import io.gleaner.app.demo.RoundReport;
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
 * arms, both from one seed model, the files, the RESULT line last) and that the gate's rejections
 * hold in both arms: after a round whose candidate was not promoted, the live model's errors are
 * those of the round before. It does not assert the targets (reduction ratio ≥ 2, common
 * error at most 5% worse): at this size two retrains move the rare error by less than the noise of
 * the evaluation set; the full size measures them (README, "Closed loop").
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
        assertRejectedCandidatesNeverWentLive(comparison.engine(), lines);
        assertRejectedCandidatesNeverWentLive(comparison.random(), lines);

        assertThat(Files.readAllLines(result.csv())).hasSize(1 + 2 * (LoopBenchConfig.quick().rounds() + 1));
        assertThat(Files.size(result.png())).isPositive();
        assertThat(lines.get(lines.size() - 1)).startsWith("RESULT bench-loop reduction_ratio=")
                .contains(" common_regression=", " rounds=" + LoopBenchConfig.quick().rounds());
    }

    private static void assertRejectedCandidatesNeverWentLive(LoopSummary arm, List<String> printed) {
        double rare = arm.rareErrorFirst();
        double common = arm.commonErrorFirst();
        for (RoundReport round : arm.rounds()) {
            if (!round.retrain().startsWith("promoted")) {
                assertThat(round.rareError()).as("rare error after round %d (%s); printed:%n%s", round.round(),
                        round.retrain(), String.join("\n", printed)).isEqualTo(rare);
                assertThat(round.commonError()).as("common error after round %d (%s)", round.round(), round.retrain())
                        .isEqualTo(common);
            }
            rare = round.rareError();
            common = round.commonError();
        }
    }
}
