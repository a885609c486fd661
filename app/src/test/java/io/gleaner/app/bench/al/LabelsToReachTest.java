package io.gleaner.app.bench.al;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LabelsToReachTest {
    private static final int[] LABELS = {20, 40, 60, 80};

    @Test
    void interpolatesBetweenThePointsAroundTheTarget() {
        // 0.70 lies a quarter of the way from 0.68 (40 labels) to 0.76 (60 labels): 40 + 0.25·20 = 45.
        assertThat(LabelsToReach.of(LABELS, new double[] {0.60, 0.68, 0.76, 0.80}, 0.70)).isCloseTo(45.0, within(1e-9));
    }

    @Test
    void takesTheFirstCrossingOfANoisyCurve() {
        // Reaches 0.70 at 40 exactly, dips, and reaches it again: the first time counts.
        assertThat(LabelsToReach.of(LABELS, new double[] {0.60, 0.70, 0.65, 0.75}, 0.70)).isEqualTo(40.0);
    }

    @Test
    void aCurveStartingAtTheTargetNeedsItsFirstCount() {
        assertThat(LabelsToReach.of(LABELS, new double[] {0.71, 0.72, 0.73, 0.74}, 0.70)).isEqualTo(20.0);
    }

    @Test
    void aCurveNeverReachingTheTargetIsNaN() {
        assertThat(LabelsToReach.of(LABELS, new double[] {0.60, 0.62, 0.64, 0.66}, 0.70)).isNaN();
    }

    @Test
    void rejectsCurvesOfMismatchedLength() {
        assertThatThrownBy(() -> LabelsToReach.of(LABELS, new double[] {0.6}, 0.7))
                .hasMessageContaining("4 counts and 1 accuracies");
    }
}
