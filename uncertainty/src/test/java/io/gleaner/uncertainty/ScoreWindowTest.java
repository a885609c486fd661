package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScoreWindowTest {

    @Test
    void overwritesTheOldestSlotOnceFull() {
        ScoreWindow window = new ScoreWindow(3);
        assertThat(window.add(1.0)).isEqualTo(0);
        assertThat(window.add(2.0)).isEqualTo(1);
        assertThat(window.add(3.0)).isEqualTo(2);
        assertThat(window.add(4.0)).isEqualTo(0);
        assertThat(window.size()).isEqualTo(3);
        assertThat(window.added()).isEqualTo(4);
        assertThat(window.oldestFirst()).containsExactly(2.0, 3.0, 4.0);
    }

    @Test
    void thresholdIsTheCeilKeepFractionTimesNthLargest() {
        ScoreWindow window = new ScoreWindow(10);
        for (int i = 1; i <= 10; i++) {
            window.add(i / 10.0);
        }
        // m = ceil(0.2 * 10) = 2: the second largest of 0.1..1.0.
        assertThat(window.topShareThreshold(0.2)).isEqualTo(0.9);
        // m = ceil(0.25 * 10) = 3.
        assertThat(window.topShareThreshold(0.25)).isEqualTo(0.8);
        // m = max(1, ceil(0.01 * 10)) = 1: only the maximum.
        assertThat(window.topShareThreshold(0.01)).isEqualTo(1.0);
        assertThat(window.topShareThreshold(1.0)).isEqualTo(0.1);
    }

    @Test
    void roundingOfKeepFractionTimesNDoesNotAddAScore() {
        ScoreWindow window = new ScoreWindow(100);
        for (int i = 1; i <= 100; i++) {
            window.add(i);
        }
        // 0.07 * 100 = 7.000000000000001 in double; m must still be 7, so the threshold is 94.
        assertThat(window.topShareThreshold(0.07)).isEqualTo(94.0);
    }

    @Test
    void restoreAndResizeKeepTheNewestScores() {
        ScoreWindow restored = ScoreWindow.restore(5, new double[] {4.0, 5.0, 3.0});
        assertThat(restored.oldestFirst()).containsExactly(3.0, 4.0, 5.0);
        ScoreWindow smaller = restored.resized(2);
        assertThat(smaller.oldestFirst()).containsExactly(4.0, 5.0);
        assertThat(smaller.added()).isEqualTo(2);
    }

    @Test
    void rejectsNonFiniteScores() {
        assertThatThrownBy(() -> new ScoreWindow(3).add(Double.NaN)).hasMessageContaining("score is NaN");
        assertThatThrownBy(() -> new ScoreWindow(3).topShareThreshold(0.1)).hasMessageContaining("empty");
    }
}
