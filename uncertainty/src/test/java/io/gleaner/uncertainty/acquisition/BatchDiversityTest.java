package io.gleaner.uncertainty.acquisition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BatchDiversityTest {
    /** One-dimensional points, so every distance is a difference worked out by eye. */
    private static float[][] line(float... xs) {
        float[][] points = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            points[i] = new float[] {xs[i]};
        }
        return points;
    }

    @Test
    void kCenterGreedyStartsCentralThenTakesTheFarthest() {
        float[][] pool = line(0, 1, 2, 10, 11, 20);
        // mean 44/6 = 7.33: closest is 10 (index 3). Distances to {10}: 10, 9, 8, 0, 1, 10 → tie 0 and 20,
        // lowest index wins: 0 (index 0). Distances to {10, 0}: 0, 1, 2, 0, 1, 10 → 20 (index 5).
        assertThat(BatchDiversity.kCenterGreedy(pool, new float[0][], 3)).containsExactly(3, 0, 5);
    }

    @Test
    void kCenterGreedyCoversWhatIsAlreadyLabeled() {
        float[][] pool = line(0, 1, 2, 10, 11, 20);
        // labeled {10}: distances 10, 9, 8, 0, 1, 10 → index 0; then 0, 1, 2, 0, 1, 10 → index 5;
        // then 0, 1, 2, 0, 1, 0 → index 2
        assertThat(BatchDiversity.kCenterGreedy(pool, line(10), 3)).containsExactly(0, 5, 2);
    }

    @Test
    void kCenterGreedyNeverPicksTheSameCandidateTwice() {
        // after 0 and 5 every remaining distance is 0; the next pick is the lowest unpicked index
        assertThat(BatchDiversity.kCenterGreedy(line(0, 0, 0, 5), new float[0][], 3)).containsExactly(0, 3, 1);
    }

    @Test
    void typicalityIsTheInverseMeanDistanceToTheKNearest() {
        double[] typical = BatchDiversity.typicality(line(0, 1, 2, 10, 11, 20), 2);
        // 0: nearest 1, 2 → mean 1.5 → 2/3;   1: 1, 1 → 1;   2: 1, 2 → 2/3;
        // 10: 1, 8 → 4.5 → 2/9;   11: 1, 9 → 5 → 1/5;   20: 9, 10 → 9.5 → 2/19
        assertThat(typical[0]).isCloseTo(2.0 / 3.0, within(1e-12));
        assertThat(typical[1]).isEqualTo(1.0);
        assertThat(typical[2]).isCloseTo(2.0 / 3.0, within(1e-12));
        assertThat(typical[3]).isCloseTo(2.0 / 9.0, within(1e-12));
        assertThat(typical[4]).isCloseTo(0.2, within(1e-12));
        assertThat(typical[5]).isCloseTo(2.0 / 19.0, within(1e-12));
    }

    @Test
    void typiClustPicksTheMostTypicalPointOfEachClusterLargestFirst() {
        float[][] pool = line(0, 1, 2, 10, 11, 12, 13);
        // seeds by k-center: 10 (closest to the mean 7), then 0. Lloyd: {10..13} (centre 11.5) and {0, 1, 2} (centre 1).
        // within {10, 11, 12, 13}, k = 2: mean distances 1.5, 1, 1, 1.5 → 11 (index 4, lower of the tie)
        // within {0, 1, 2}: 1.5, 1, 1.5 → 1 (index 1); the cluster of 4 comes first
        assertThat(BatchDiversity.typiClust(pool, 2, 2)).containsExactly(4, 1);
    }

    @Test
    void typiClustFillsTheSlotOfAClusterLeftEmptyByDuplicates() {
        // seeds 0, 5, then a duplicate 0 (index 1): its cluster gets nobody, as index 0's centre wins ties.
        // clusters {0, 0, 0} → index 0 and {5} → index 3; the empty slot goes to the most typical unpicked: index 1
        assertThat(BatchDiversity.typiClust(line(0, 0, 0, 5), 3, 2)).containsExactly(0, 3, 1);
    }

    @Test
    void badBudgetsAndVectorsAreRejected() {
        float[][] pool = line(0, 1, 2);
        assertThatThrownBy(() -> BatchDiversity.kCenterGreedy(pool, new float[0][], 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kCenterGreedy: budget is 4 but the pool holds 3; ask for between 1 and 3 picks");
        assertThatThrownBy(() -> BatchDiversity.kCenterGreedy(pool, null, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labeled is null");
        assertThatThrownBy(() -> BatchDiversity.kCenterGreedy(pool, new float[][] {{1f, 2f}}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labeled[0] has 2 dimensions");
        assertThatThrownBy(() -> BatchDiversity.typicality(pool, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k is 3 but there are 3 points");
        assertThatThrownBy(() -> BatchDiversity.typiClust(line(0, Float.POSITIVE_INFINITY), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("typiClust: points[1][0] is Infinity");
        assertThatThrownBy(() -> BatchDiversity.typiClust(new float[0][], 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("points is empty");
    }
}
