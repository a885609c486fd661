package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.LabeledExample;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

    @Test
    void aboutOneFrameInEveryNIsHeldOutAndTheChoiceIsStable() {
        List<String> ids = IntStream.range(0, 5000).mapToObj(i -> "frame-" + i).toList();

        long heldOut = ids.stream().filter(id -> HeldOutSplit.isHeldOut(id, 5)).count();

        assertThat(heldOut).isBetween(900L, 1100L);
        assertThat(ids.stream().filter(id -> HeldOutSplit.isHeldOut(id, 5)).toList())
                .isEqualTo(ids.stream().filter(id -> HeldOutSplit.isHeldOut(id, 5)).toList());
    }

    @Test
    void theHashIsCrc32OfTheFrameId() {
        // CRC-32("c") = 112844655, % 5 = 0; CRC-32("a") = 3904355907, % 5 = 2.
        assertThat(HeldOutSplit.isHeldOut("c", 5)).isTrue();
        assertThat(HeldOutSplit.isHeldOut("a", 5)).isFalse();
    }

    @Test
    void allLabelsOfOneFrameLandOnTheSameSide() {
        List<LabeledExample> examples = DrivingScenes.labeled("f", 40, 1L);
        List<LabeledExample> twice = new ArrayList<>(examples);
        twice.addAll(examples);

        HeldOutSplit split = HeldOutSplit.of(twice, 5);

        assertThat(split.training()).hasSize(2 * HeldOutSplit.of(examples, 5).training().size());
        assertThat(split.training()).extracting(LabeledExample::frameId)
                .doesNotContainAnyElementsOf(split.heldOut().stream().map(LabeledExample::frameId).toList());
    }

    @Test
    void holdingOutEveryFrameIsRefused() {
        assertThatThrownBy(() -> HeldOutSplit.isHeldOut("a", 1)).hasMessageContaining("at least 2");
    }
}
