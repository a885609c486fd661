package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScorerMetersTest {
    @Test
    void nearestRankQuantilesOfTenLatencies() {
        double[] millis = {90, 10, 20, 30, 40, 50, 60, 70, 80, 100};

        // p50 of 10 values: rank ceil(5) = the 5th smallest; p99: rank ceil(9.9) = the 10th.
        assertThat(ScorerMeters.nearestRank(millis.clone(), 0.5)).isEqualTo(50);
        assertThat(ScorerMeters.nearestRank(millis.clone(), 0.99)).isEqualTo(100);
        assertThat(ScorerMeters.nearestRank(new double[] {7}, 0.5)).isEqualTo(7);
        assertThat(ScorerMeters.nearestRank(new double[0], 0.5)).isNaN();
    }

    @Test
    void modelVersionsReadAsNumbers() {
        assertThat(ScorerMeters.modelVersionNumber("7")).isEqualTo(7);
        assertThat(ScorerMeters.modelVersionNumber("v12")).isEqualTo(12);
        assertThat(ScorerMeters.modelVersionNumber("")).isNaN();
        assertThat(ScorerMeters.modelVersionNumber("seed-a")).isNaN();
    }
}
