package io.gleaner.retrain.ssl;

import io.gleaner.scorer.model.Backbone;
import java.util.List;

/**
 * What pretraining produced: the trained backbone (the caller owns and closes it, and saves it as
 * an artifact), the epochs, and the wall time spent training (across resumed runs).
 *
 * @param backbone the trained backbone
 * @param epochs every epoch, including those of an interrupted run this one resumed
 * @param trainSeconds wall time of all epochs' steps, collapse watch and checkpoints
 * @param resumedAfterEpoch the last epoch found in the checkpoint, 0 for a fresh run
 */
public record PretrainResult(Backbone backbone, List<EpochRecord> epochs, double trainSeconds, int resumedAfterEpoch) {
    public PretrainResult {
        epochs = List.copyOf(epochs);
    }

    /** Mean loss of the last epoch. */
    public double finalLoss() {
        return epochs.get(epochs.size() - 1).loss();
    }
}
