package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentFailuresTest {
    @Test
    void mostFailedNeedsEnoughFramesAndMoreThanHalfOfThemFailed() {
        RecentFailures recent = new RecentFailures(8, 4);
        recent.record(true);
        recent.record(true);
        recent.record(true);
        assertThat(recent.mostFailed()).as("3 frames are too few to judge").isFalse();

        recent.record(false);
        assertThat(recent.mostFailed()).as("3 of 4").isTrue();
        assertThat(recent.share()).isEqualTo("3/4");
    }

    @Test
    void onlyTheLatestFramesCount() {
        RecentFailures recent = new RecentFailures(4, 4);
        for (int i = 0; i < 4; i++) {
            recent.record(true);
        }
        for (int i = 0; i < 3; i++) {
            recent.record(false);
        }
        assertThat(recent.share()).isEqualTo("1/4");
        assertThat(recent.mostFailed()).isFalse();
    }

    @Test
    void halfIsNotMost() {
        RecentFailures recent = new RecentFailures(4, 2);
        recent.record(true);
        recent.record(false);
        assertThat(recent.mostFailed()).isFalse();
    }

    @Test
    void clearForgetsEverything() {
        RecentFailures recent = new RecentFailures(4, 1);
        recent.record(true);
        recent.clear();
        assertThat(recent.share()).isEqualTo("0/0");
        assertThat(recent.mostFailed()).isFalse();
    }
}
