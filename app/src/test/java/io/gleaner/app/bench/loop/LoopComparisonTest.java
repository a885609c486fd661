package io.gleaner.app.bench.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.app.demo.LoopSummary;
import io.gleaner.app.demo.RoundReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopComparisonTest {

    private static RoundReport round(int round, long labeled, double rareError, double commonError) {
        return new RoundReport(round, 800L * round, labeled, labeled / 2, 0.1, labeled, "" + (round + 1),
                "promoted v" + (round + 1), rareError, commonError);
    }

    private static LoopSummary arm(double rareFirst, double commonFirst, RoundReport... rounds) {
        return new LoopSummary(List.of(rounds), rareFirst, commonFirst, 0);
    }

    @Test
    void reductionsRatioAndCommonRegressionAreWorkedOutFromTheSeedAndTheLastRound() {
        LoopComparison comparison = new LoopComparison(
                arm(0.30, 0.10, round(1, 60, 0.28, 0.12), round(2, 80, 0.20, 0.104)),
                arm(0.30, 0.10, round(1, 60, 0.29, 0.09), round(2, 80, 0.28, 0.095)));

        // engine 0.30 - 0.20 = 0.10, random 0.30 - 0.28 = 0.02
        assertThat(comparison.engineReduction()).isCloseTo(0.10, within(1e-12));
        assertThat(comparison.randomReduction()).isCloseTo(0.02, within(1e-12));
        assertThat(comparison.reductionRatio()).isCloseTo(5.0, within(1e-9));
        // (0.104 - 0.10) / 0.10 after the last round; (0.12 - 0.10) / 0.10 after round 1
        assertThat(comparison.commonRegression()).isCloseTo(0.04, within(1e-9));
        assertThat(comparison.worstCommonRegression()).isCloseTo(0.20, within(1e-9));
        assertThat(comparison.sameLabelBudget()).isTrue();
        assertThat(comparison.labels()).isEqualTo(140);
    }

    @Test
    void randomThatDidNotReduceTheErrorGivesAnInfiniteRatioAndNeitherGivesNaN() {
        LoopSummary engine = arm(0.30, 0.10, round(1, 50, 0.25, 0.10));
        LoopSummary randomWorse = arm(0.30, 0.10, round(1, 50, 0.31, 0.10));
        LoopSummary engineWorse = arm(0.30, 0.10, round(1, 50, 0.32, 0.10));

        assertThat(new LoopComparison(engine, randomWorse).reductionRatio()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(new LoopComparison(engineWorse, randomWorse).reductionRatio()).isNaN();
    }

    @Test
    void differentLabelsInARoundAreNotTheSameBudget() {
        LoopComparison comparison = new LoopComparison(arm(0.3, 0.1, round(1, 50, 0.2, 0.1)),
                arm(0.3, 0.1, round(1, 49, 0.2, 0.1)));

        assertThat(comparison.sameLabelBudget()).isFalse();
    }

    @Test
    void armsOfDifferentLengthAreRefused() {
        assertThatThrownBy(() -> new LoopComparison(arm(0.3, 0.1, round(1, 50, 0.2, 0.1)), arm(0.3, 0.1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the arms ran 1 and 0 rounds");
    }
}
