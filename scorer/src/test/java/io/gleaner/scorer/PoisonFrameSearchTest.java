package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PoisonFrameSearchTest {
    /** A model that scores frame i as "s" + i, and throws on a batch that holds a poison frame. */
    private static PoisonFrameSearch.Attempt<String> model(Set<Integer> poison, List<List<Integer>> calls) {
        return frames -> {
            calls.add(List.copyOf(frames));
            for (int frame : frames) {
                if (poison.contains(frame)) {
                    throw new IllegalStateException("poison " + frame);
                }
            }
            return frames.stream().map(f -> "s" + f).toList();
        };
    }

    @Test
    void aBatchThatPassesIsScoredInOneCallWithoutATrial() {
        List<List<Integer>> calls = new ArrayList<>();
        AtomicInteger trials = new AtomicInteger();

        var outcome = PoisonFrameSearch.search(4, model(Set.of(), calls), trials::incrementAndGet, 2);

        assertThat(outcome.passedWhole()).isTrue();
        assertThat(outcome.scores()).containsExactly("s0", "s1", "s2", "s3");
        assertThat(outcome.poison()).isEmpty();
        assertThat(outcome.calls()).isEqualTo(1);
        assertThat(trials).hasValue(0);
    }

    @Test
    void onePoisonFrameInSixtyFourIsFoundInFourteenCallsAndTheOthersKeepTheirScores() {
        List<List<Integer>> calls = new ArrayList<>();
        AtomicInteger trials = new AtomicInteger();

        var outcome = PoisonFrameSearch.search(64, model(Set.of(37), calls), trials::incrementAndGet, 32);

        assertThat(outcome.passedWhole()).isFalse();
        assertThat(outcome.firstFailure()).hasMessage("poison 37");
        assertThat(outcome.poison()).containsOnlyKeys(37);
        assertThat(outcome.poison().get(37)).hasMessage("poison 37");
        assertThat(outcome.scores().get(37)).isNull();
        for (int i = 0; i < 64; i++) {
            if (i != 37) {
                assertThat(outcome.scores().get(i)).isEqualTo("s" + i);
            }
        }
        // The whole batch, the trial, then two halves at each of log2(64) = 6 levels.
        assertThat(outcome.calls()).isEqualTo(2 + 2 * 6);
        assertThat(trials).hasValue(1);
        assertThat(calls.get(1)).hasSize(32).startsWith(0);
        assertThat(calls).contains(List.of(37));
    }

    @Test
    void twoPoisonFramesInAnOddBatchAreBothFound() {
        List<List<Integer>> calls = new ArrayList<>();

        var outcome = PoisonFrameSearch.search(7, model(Set.of(0, 6), calls), () -> { }, 3);

        assertThat(outcome.poison()).containsOnlyKeys(0, 6);
        assertThat(outcome.scores()).containsExactly(null, "s1", "s2", "s3", "s4", "s5", null);
    }

    @Test
    void aSingleFrameBatchThatThrowsBlamesTheFrameWhenTheTrialPasses() {
        var outcome = PoisonFrameSearch.search(1, model(Set.of(0), new ArrayList<>()), () -> { }, 1);

        assertThat(outcome.poison()).containsOnlyKeys(0);
        assertThat(outcome.calls()).as("the batch and the trial").isEqualTo(2);
    }

    @Test
    void whenTheTrialFailsTooTheModelIsBlamedAndNoFrameIs() {
        List<List<Integer>> calls = new ArrayList<>();

        assertThatThrownBy(() -> PoisonFrameSearch.search(8, model(Set.of(3), calls), () -> {
            throw new IllegalStateException("native state broken");
        }, 4))
                .isInstanceOf(PoisonFrameSearch.ModelCannotRun.class)
                .hasMessageContaining("batch of 8 frames").hasMessageContaining("native state broken");
        assertThat(calls).as("no search after a failed trial").hasSize(1);
    }

    @Test
    void moreFailedFramesThanAllowedBlameTheModelAndStopTheSearch() {
        List<List<Integer>> calls = new ArrayList<>();

        assertThatThrownBy(() -> PoisonFrameSearch.search(16, model(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), calls),
                () -> { }, 8))
                .isInstanceOf(PoisonFrameSearch.ModelCannotRun.class)
                .hasMessageContaining("9 frames").hasMessageContaining("8 a batch may hold");
        assertThat(calls.size()).as("stopped before trying the rest alone").isLessThan(2 * 16);
    }

    @Test
    void aModelThatReturnsNoScoresFailsEveryFrameAndIsBlamed() {
        assertThatThrownBy(() -> PoisonFrameSearch.search(2, frames -> List.<String>of(), () -> { }, 1))
                .isInstanceOf(PoisonFrameSearch.ModelCannotRun.class)
                .hasMessageContaining("returned 0 scores for 1 frames");
    }
}
