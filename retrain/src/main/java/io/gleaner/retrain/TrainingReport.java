package io.gleaner.retrain;

import java.time.Duration;
import java.util.List;

/**
 * What one run of the {@link TrainingLoop} did.
 *
 * @param examples training examples per epoch
 * @param epochLosses mean loss of each epoch, in order
 * @param imagesPerSecond training throughput over the whole run
 * @param elapsed wall time of the whole run
 */
public record TrainingReport(int examples, List<Double> epochLosses, double imagesPerSecond, Duration elapsed) {

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
