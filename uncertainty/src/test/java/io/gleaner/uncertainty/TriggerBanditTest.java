package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Thompson-sampling shares on a fixed seed. */
class TriggerBanditTest {
    private final TriggerBandit bandit = new TriggerBandit(0.2, 4_000, 7L);

    @Test
    void aTriggerThatClearlyYieldsMoreTakesAllButTheOthersFloor() {
        // Beta(51, 51) against Beta(6, 96): no draw of the second beats the first
        Map<String, Double> shares = bandit.shares(counts("novelty", 100, 50, "entropy", 100, 5));
        assertThat(shares.get("entropy")).isEqualTo(0.2 / 2);
        assertThat(shares.get("novelty")).isEqualTo(0.2 / 2 + 0.8);
    }

    @Test
    void withoutEvidenceTheSharesAreAboutEvenAndAlwaysSumToOne() {
        Map<String, Double> shares = bandit.shares(counts("a", 0, 0, "b", 0, 0, "c", 0, 0));
        assertThat(shares.values()).allSatisfy(share -> assertThat(share).isCloseTo(1.0 / 3, within(0.02)));
        assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aCloseRaceSplitsTheSharesByHowLikelyEachIsBest() {
        // 12/40 against 8/40: the first is better with probability ≈ 0.83 (normal approximation of the two Betas)
        Map<String, Double> shares = bandit.shares(counts("a", 40, 12, "b", 40, 8));
        assertThat(shares.get("a")).isCloseTo(0.1 + 0.8 * 0.83, within(0.03));
        assertThat(shares.get("a")).isGreaterThan(shares.get("b"));
        assertThat(shares.get("b")).isGreaterThan(0.1);
    }

    @Test
    void theSameCountsAndSeedGiveTheSameSharesAndAnotherSeedOthers() {
        Map<String, TriggerBandit.Counts> counts = counts("a", 10, 3, "b", 10, 2, "c", 5, 1);
        assertThat(bandit.shares(counts)).isEqualTo(new TriggerBandit(0.2, 4_000, 7L).shares(counts));
        assertThat(new TriggerBandit(0.2, 4_000, 8L).shares(counts)).isNotEqualTo(bandit.shares(counts));
    }

    @Test
    void aFloorOfOneIgnoresTheEvidenceAndNoTriggersGiveNoShares() {
        Map<String, Double> shares = new TriggerBandit(1.0, 10, 1L).shares(counts("a", 100, 90, "b", 100, 0));
        assertThat(shares).containsEntry("a", 0.5).containsEntry("b", 0.5);
        assertThat(bandit.shares(Map.of())).isEmpty();
    }

    @Test
    void betaDrawsHaveTheBetaMean() {
        Random random = new Random(11);
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            sum += TriggerBandit.beta(random, 3.0, 7.0);
        }
        // mean a / (a + b) = 0.3; standard error √(0.3·0.7/11/n) ≈ 0.001
        assertThat(sum / n).isCloseTo(0.3, within(0.004));
    }

    @Test
    void settingsAndCountsAreValidated() {
        assertThatThrownBy(() -> new TriggerBandit(1.5, 10, 1L)).hasMessageContaining("selection.yield.floor is 1.5");
        assertThatThrownBy(() -> new TriggerBandit(0.2, 0, 1L)).hasMessageContaining("selection.yield.samples is 0");
        assertThatThrownBy(() -> new TriggerBandit.Counts(3, 4)).hasMessageContaining("4 errors of 3 labeled");
        assertThat(new TriggerBandit.Counts(8, 2).plus(true)).isEqualTo(new TriggerBandit.Counts(9, 3));
        assertThat(new TriggerBandit.Counts(8, 2).meanYield()).isEqualTo(0.3);
    }

    private static Map<String, TriggerBandit.Counts> counts(Object... nameLabeledErrors) {
        Map<String, TriggerBandit.Counts> counts = new LinkedHashMap<>();
        for (int i = 0; i < nameLabeledErrors.length; i += 3) {
            counts.put((String) nameLabeledErrors[i],
                    new TriggerBandit.Counts((Integer) nameLabeledErrors[i + 1], (Integer) nameLabeledErrors[i + 2]));
        }
        return counts;
    }
}
