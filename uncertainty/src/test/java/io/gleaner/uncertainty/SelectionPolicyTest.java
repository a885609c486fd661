package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SelectionPolicyTest {

    @Test
    void harvestsNothingBeforeMinWindowEvenForTheHighestScore() {
        SelectionPolicy policy = new SelectionPolicy(new SelectionConfig(0.1, 20, 0.3, 0.7, 5));
        // Each warm-up frame is the window's highest score so far. (They tie with one another, so the
        // fifth is set above them: an exact tie at the threshold is thinned, see the tie tests.)
        for (int i = 0; i < 4; i++) {
            Selection selection = policy.select(0.9, 0.9);
            assertThat(selection.harvested()).isFalse();
            assertThat(selection.windowThreshold()).isNaN();
            assertThat(selection.triggers()).isEmpty();
        }
        assertThat(policy.select(1.0, 1.0).harvested()).isTrue();
    }

    @Test
    void decisionsWorkedOutByHand() {
        // keep 25% of a 10-score window once it holds 4; entropy 0, so score = 0.7 * disagreement.
        SelectionPolicy policy = new SelectionPolicy(new SelectionConfig(0.25, 10, 0.3, 0.7, 4));
        assertThat(policy.select(0.0, 0.1).harvested()).isFalse(); // 0.07, warming up
        assertThat(policy.select(0.0, 0.2).harvested()).isFalse(); // 0.14, warming up
        assertThat(policy.select(0.0, 0.3).harvested()).isFalse(); // 0.21, warming up

        // n = 4, m = ceil(0.25 * 4) = 1: the max, 0.21; 0.035 falls short.
        Selection fourth = policy.select(0.0, 0.05);
        assertThat(fourth.score()).isCloseTo(0.035, within(1e-12));
        assertThat(fourth.windowThreshold()).isCloseTo(0.21, within(1e-12));
        assertThat(fourth.harvested()).isFalse();

        // n = 5, m = ceil(1.25) = 2: second largest of {0.07, 0.14, 0.21, 0.035, 0.28} is 0.21.
        Selection fifth = policy.select(0.0, 0.4);
        assertThat(fifth.score()).isCloseTo(0.28, within(1e-12));
        assertThat(fifth.windowThreshold()).isCloseTo(0.21, within(1e-12));
        assertThat(fifth.harvested()).isTrue();
        assertThat(fifth.priority()).isEqualTo(fifth.score());
        assertThat(fifth.triggers()).extracting(FiredTrigger::name)
                .containsExactly(SelectionPolicy.ACTION_DISAGREEMENT, SelectionPolicy.COMBINED);
        assertThat(fifth.triggers().get(0).score()).isEqualTo(0.4);
        assertThat(fifth.triggers().get(0).threshold()).isEqualTo(0.15);
        assertThat(fifth.triggers().get(1).threshold()).isEqualTo(fifth.windowThreshold());
    }

    @Test
    void keepsAboutKeepFractionOfIidUniformScores() {
        SelectionConfig config = SelectionConfig.defaults();
        SelectionPolicy policy = new SelectionPolicy(config);
        Random random = new Random(42);
        int frames = 20_000;
        int kept = 0;
        for (int i = 0; i < frames; i++) {
            Selection selection = policy.select(random.nextDouble(), random.nextDouble());
            if (i >= config.windowSize() && selection.harvested()) {
                kept++;
            }
        }
        double keptFraction = (double) kept / (frames - config.windowSize());
        assertThat(keptFraction).isCloseTo(0.10, within(0.01));
    }

    @Test
    void aSpikeAfterAQuietWindowIsHarvested() {
        SelectionPolicy policy = new SelectionPolicy(SelectionConfig.defaults());
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            policy.select(random.nextDouble() * 0.1, random.nextDouble() * 0.05);
        }
        Selection spike = policy.select(0.2, 0.6);
        assertThat(spike.harvested()).isTrue();
        assertThat(spike.score()).isCloseTo(0.3 * 0.2 + 0.7 * 0.6, within(1e-12));
        assertThat(spike.windowThreshold()).isLessThan(0.3 * 0.1 + 0.7 * 0.05);
    }

    @Test
    void eachFunctionFiresAtItsOwnThresholdAndCombinedOnlyWhenHarvested() {
        SelectionPolicy policy = new SelectionPolicy(new SelectionConfig(0.1, 10, 0.3, 0.7, 1));
        float third = 1f / 3f;
        // Uniform scene, matching actions: entropy 1.0 >= 0.6 fires, disagreement 0 does not.
        Selection unsure = policy.select(new float[] {third, third, third}, 0.2f, 0.1f, 0.2f, 0.1f);
        assertThat(unsure.harvested()).isTrue(); // alone in the window
        assertThat(unsure.triggers()).extracting(FiredTrigger::name)
                .containsExactly(SelectionPolicy.SCENE_ENTROPY, SelectionPolicy.COMBINED);
        assertThat(unsure.triggers().get(0).threshold()).isEqualTo(0.6);

        // Exactly at the action threshold fires (>=); below the window's top score, so not harvested.
        Selection atThreshold = policy.select(0.0, 0.15);
        assertThat(atThreshold.harvested()).isFalse();
        assertThat(atThreshold.triggers()).extracting(FiredTrigger::name)
                .containsExactly(SelectionPolicy.ACTION_DISAGREEMENT);

        Selection quiet = policy.select(new float[] {0f, 1f, 0f}, 0f, 0f, 0.1f, 0f);
        assertThat(quiet.triggers()).isEmpty();
    }

    @Test
    void aWindowOfIdenticalScoresHarvestsOnlyKeepFractionOfIt() {
        // Regression: with score >= threshold, every frame of a constant stream was harvested.
        SelectionPolicy policy = new SelectionPolicy(new SelectionConfig(0.1, 100, 0.3, 0.7, 1));
        List<Integer> harvested = new ArrayList<>();
        for (int k = 1; k <= 1000; k++) {
            if (policy.select(0.5, 0.5).harvested()) {
                harvested.add(k);
            }
        }
        // The first frame (alone in the window), none while the window fills (ties = k), then
        // m = 10 of every n = 100: k = 101, 111, ..., 991.
        List<Integer> expected = new ArrayList<>(List.of(1));
        for (int k = 101; k <= 1000; k += 10) {
            expected.add(k);
        }
        assertThat(harvested).isEqualTo(expected);
    }

    @Test
    void tiesAtTheThresholdShareWhatTheHigherScoresLeave() {
        // keep 30% of 10 (m = 3) once the window is full; score = disagreement.
        SelectionPolicy policy = new SelectionPolicy(new SelectionConfig(0.3, 10, 0.0, 1.0, 10));
        policy.select(0.0, 0.9);
        List<Integer> harvested = new ArrayList<>();
        for (int k = 2; k <= 20; k++) {
            Selection selection = policy.select(0.0, 0.35);
            if (k >= 10) {
                assertThat(selection.windowThreshold()).isEqualTo(0.35);
            }
            if (selection.harvested()) {
                harvested.add(k);
            }
        }
        // k = 10: above = 1 (the 0.9), ties = 9, allowed = 2: ceil(20/9) = 3 > ceil(18/9) = 2, kept.
        // k >= 11 (0.9 overwritten): above = 0, ties = 10, allowed = 3: kept when ceil(3k/10) grows.
        assertThat(harvested).containsExactly(10, 11, 14, 17);
        // Strictly above the threshold is always harvested.
        assertThat(policy.select(0.0, 0.36).harvested()).isTrue();
    }
}
