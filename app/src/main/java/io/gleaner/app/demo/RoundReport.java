package io.gleaner.app.demo;

/**
 * What one round of the loop did.
 *
 * @param round 1-based
 * @param framesProcessed frames scored and selected so far (all rounds)
 * @param harvested tasks created from this round's frames
 * @param harvestedRare of those, frames whose true scenario is rare
 * @param rareBaseRate the share of rare frames in this round's stream
 * @param labeled labels submitted this round
 * @param modelVersion the live model version after this round's retrain
 * @param retrain what the retrain step did ("promoted v3", "rejected v3", "not due")
 * @param rareError live model's mean absolute action error on rare scenarios after the round
 * @param commonError the same on common frames
 */
public record RoundReport(int round, long framesProcessed, long harvested, long harvestedRare, double rareBaseRate,
                          long labeled, String modelVersion, String retrain, double rareError, double commonError) {

    public double harvestedRareShare() {
        return harvested == 0 ? 0 : (double) harvestedRare / harvested;
    }
}
