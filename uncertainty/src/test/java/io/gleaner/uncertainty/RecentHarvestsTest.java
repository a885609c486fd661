package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RecentHarvestsTest {

    @Test
    void similarityIsTheCosineOfTheClosestRecentHarvest() {
        RecentHarvests recent = new RecentHarvests();
        recent.add(new float[] {3f, 4f}, 0, 8);
        recent.add(new float[] {0f, 2f}, 10, 8);
        // to (1, 0): cos with (3, 4) = 3/5 = 0.6, with (0, 2) = 0; unnormalised vectors are fine
        assertThat(recent.maxSimilarity(new float[] {1f, 0f}, 20, 100)).isCloseTo(0.6, within(1e-12));
        // at t = 105 with a 100 ms horizon, the harvest at t = 0 is forgotten: only (0, 2) is left
        assertThat(recent.maxSimilarity(new float[] {1f, 0f}, 105, 100)).isEqualTo(0.0);
        assertThat(recent.size()).isEqualTo(1);
    }

    @Test
    void itKeepsTheNewestUpToItsCapacityAndRoundTripsThroughBytes() {
        RecentHarvests recent = new RecentHarvests();
        for (int i = 0; i < 5; i++) {
            recent.add(new float[] {i, 1f}, i, 3);
        }
        RecentHarvests restored = RecentHarvests.fromBytes(recent.toBytes());
        assertThat(restored.size()).isEqualTo(3);
        assertThat(restored.toBytes()).isEqualTo(recent.toBytes());
        // nothing to compare against: no similarity at all
        assertThat(new RecentHarvests().maxSimilarity(new float[] {1f}, 0, 10)).isEqualTo(Double.NEGATIVE_INFINITY);
    }
}
