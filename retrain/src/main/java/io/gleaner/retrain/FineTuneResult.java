package io.gleaner.retrain;

import io.gleaner.scorer.model.DrivingModel;
import java.util.List;
import java.util.Objects;

/**
 * A fine-tuned, unsaved model and what it was trained on. The caller owns {@link #model()} and
 * closes it.
 *
 * @param model the trained model
 * @param labelsUsed labels the model actually trained on (held-out and skipped ones not counted)
 * @param skipped one line per label that was skipped because it cannot be trained on (a scene the
 *     model does not know, an image that cannot be decoded, an action out of range), naming the
 *     label id, the frame and the reason
 * @param resumedAfterEpoch the epoch of the checkpoint training went on from, 0 for a fresh fine-tune
 */
public record FineTuneResult(DrivingModel model, int labelsUsed, List<String> skipped, int resumedAfterEpoch) {

    public FineTuneResult {
        Objects.requireNonNull(model, "model");
        skipped = List.copyOf(skipped);
    }
}
