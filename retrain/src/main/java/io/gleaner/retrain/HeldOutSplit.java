package io.gleaner.retrain;

import io.gleaner.queue.LabeledExample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Splits labeled examples into a training set and a held-out set by a stable hash of the frame id,
 * so a frame stays on the same side in every run, on every machine, and all labels of one frame
 * stay together.
 *
 * @param training examples the fine-tune may learn from
 * @param heldOut examples only the evaluation gate sees
 */
public record HeldOutSplit(List<LabeledExample> training, List<LabeledExample> heldOut) {

    public HeldOutSplit {
        training = List.copyOf(training);
        heldOut = List.copyOf(heldOut);
    }

    /** True when the frame belongs to the held-out set: CRC-32 of its UTF-8 id, modulo {@code every}, is 0. */
    public static boolean isHeldOut(String frameId, int every) {
        if (every < 2) {
            throw new IllegalArgumentException("held-out-every is " + every + "; it must be at least 2");
        }
        CRC32 crc = new CRC32();
        crc.update(frameId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % every == 0;
    }

    public static HeldOutSplit of(List<LabeledExample> examples, int every) {
        List<LabeledExample> training = new ArrayList<>();
        List<LabeledExample> heldOut = new ArrayList<>();
        for (LabeledExample example : examples) {
            (isHeldOut(example.frameId(), every) ? heldOut : training).add(example);
        }
        return new HeldOutSplit(training, heldOut);
    }
}
