package io.gleaner.retrain;

import java.time.Duration;
import java.util.List;

/**
 * What one run of the {@link TrainingLoop} did.
 *
 * @param examples training examples per epoch
 * @param epochLosses mean loss of each epoch, in order (those before a resume from the checkpoint)
 * @param imagesPerSecond training throughput of the epochs this run trained
 * @param elapsed wall time of the whole run, epochs before a resume included
 * @param resumedAfterEpoch the epoch of the checkpoint the run went on from, 0 for a fresh run
 */
public record TrainingReport(int examples, List<Double> epochLosses, double imagesPerSecond, Duration elapsed,
        int resumedAfterEpoch) {

    public TrainingReport {
        epochLosses = List.copyOf(epochLosses);
    }

    public double firstEpochLoss() {
        return epochLosses.get(0);
    }

    public double lastEpochLoss() {
        return epochLosses.get(epochLosses.size() - 1);
    }
}
