package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exact order statistics first, then P² fed every score; state round trips bit for bit. */
class WarmStartQuantileTest {
    @Test
    void whileExactTheEstimateIsTheOrderStatisticAtRankNPlusOneTimesP() {
        WarmStartQuantile q = new WarmStartQuantile(0.75, 100);
        q.add(4);
        // n = 1: rank 2 · 0.75 = 1.5, clamped to 1: the only score
        assertThat(q.estimate()).isEqualTo(4.0);
        q.add(1);
        q.add(3);
        q.add(2);
        // n = 4, sorted 1 2 3 4: rank 5 · 0.75 = 3.75, so 3 + 0.75 · (4 − 3)
        assertThat(q.estimate()).isEqualTo(3.75);
        assertThat(q.exact()).isTrue();
        assertThat(q.count()).isEqualTo(4);

        WarmStartQuantile top = new WarmStartQuantile(0.98, 500);
        for (int i = 1; i <= 10; i++) {
            top.add(i);
        }
        // rank 11 · 0.98 = 10.78 > 10: the largest score, until 49 scores resolve the top 2%
        assertThat(top.estimate()).isEqualTo(10.0);
        for (int i = 11; i <= 99; i++) {
            top.add(i);
        }
        // n = 99: rank 100 · 0.98 = 98, exactly the 98th smallest
        assertThat(top.estimate()).isEqualTo(98.0);
    }

    @Test
    void afterTheLastExactScoreTheEstimateIsThatOfAP2FedEveryScore() {
        WarmStartQuantile q = new WarmStartQuantile(0.9, 50);
        P2Quantile alone = new P2Quantile(0.9);
        Random random = new Random(5);
        for (int i = 0; i < 49; i++) {
            double x = random.nextDouble();
            q.add(x);
            alone.add(x);
        }
        assertThat(q.exact()).isTrue();
        double x = random.nextDouble();
        q.add(x);
        alone.add(x);
        assertThat(q.exact()).isFalse();
        assertThat(q.estimate()).isEqualTo(alone.estimate());
        for (int i = 0; i < 100; i++) {
            double y = random.nextDouble();
            q.add(y);
            alone.add(y);
            assertThat(q.estimate()).isEqualTo(alone.estimate());
        }
        assertThat(q.count()).isEqualTo(150);
    }

    @Test
    void theStateRoundTripsInBothPhasesAndGoesOnIdentically() {
        Random random = new Random(3);
        WarmStartQuantile q = new WarmStartQuantile(0.98, 200);
        for (int i = 0; i < 120; i++) {
            q.add(random.nextGaussian());
        }
        WarmStartQuantile exactCopy = WarmStartQuantile.fromBytes(q.toBytes(), 200);
        assertThat(exactCopy).isEqualTo(q);
        assertThat(exactCopy.exact()).isTrue();
        for (int i = 0; i < 300; i++) {
            double x = random.nextGaussian();
            q.add(x);
            exactCopy.add(x);
            assertThat(exactCopy.estimate()).isEqualTo(q.estimate());
        }
        assertThat(q.exact()).isFalse();
        WarmStartQuantile p2Copy = WarmStartQuantile.fromBytes(q.toBytes(), 200);
        assertThat(p2Copy).isEqualTo(q);
        assertThat(p2Copy.toBytes()).isEqualTo(q.toBytes());
    }

    @Test
    void aBareP2StateOfAnOlderStoreIsReadAsPastItsExactPhase() {
        P2Quantile older = new P2Quantile(0.98);
        for (int i = 0; i < 50; i++) {
            older.add(i);
        }
        WarmStartQuantile restored = WarmStartQuantile.fromBytes(older.toBytes(), 500);
        assertThat(restored.exact()).isFalse();
        assertThat(restored.count()).isEqualTo(50);
        assertThat(restored.estimate()).isEqualTo(older.estimate());
    }

    @Test
    void badInputIsRefusedSayingWhatToDo() {
        assertThatThrownBy(() -> new WarmStartQuantile(1.0, 10)).hasMessageContaining("p is 1.0");
        assertThatThrownBy(() -> new WarmStartQuantile(0.5, 4)).hasMessageContaining("exact observations is 4");
        assertThatThrownBy(() -> new WarmStartQuantile(0.5, 10).add(Double.NaN)).hasMessageContaining("x is NaN");
        assertThatThrownBy(() -> new WarmStartQuantile(0.5, 10).estimate()).hasMessageContaining("no scores yet");
        assertThatThrownBy(() -> WarmStartQuantile.fromBytes(new byte[] {7, 1, 2}, 10))
                .hasMessageContaining("delete the task's state directory");
    }
}
