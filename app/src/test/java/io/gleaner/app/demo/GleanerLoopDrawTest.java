package io.gleaner.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GleanerLoopDrawTest {
    private static final List<String> FRAMES = IntStream.range(0, 50).mapToObj(i -> "frame-" + i).toList();

    @Test
    void drawsTheRequestedNumberOfDistinctFramesFromTheRound() {
        Set<String> drawn = GleanerLoop.draw(FRAMES, 12, new Random(7));

        assertThat(drawn).hasSize(12);
        assertThat(FRAMES).containsAll(drawn);
    }

    @Test
    void theSameSeedDrawsTheSameFramesWhateverOrderTheTasksCameIn() {
        List<String> reordered = new ArrayList<>(FRAMES);
        Collections.reverse(reordered);

        assertThat(GleanerLoop.draw(reordered, 12, new Random(7))).isEqualTo(GleanerLoop.draw(FRAMES, 12, new Random(7)));
        assertThat(GleanerLoop.draw(FRAMES, 12, new Random(8))).isNotEqualTo(GleanerLoop.draw(FRAMES, 12, new Random(7)));
    }

    @Test
    void aBudgetLargerThanTheRoundTakesEveryFrame() {
        assertThat(GleanerLoop.draw(FRAMES.subList(0, 5), 9, new Random(1))).hasSize(5);
    }
}
