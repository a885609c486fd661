package io.gleaner.app.bench.al;

import java.util.List;

/**
 * The shape of one stream-based benchmark run.
 *
 * @param seedFrames unlabeled simulator frames the seed model is behaviour-cloned on, as the demo does
 * @param seedEpochs epochs of that training
 * @param streamFrames simulator frames scored and run through the triggers
 * @param rareRate the simulator's share of rare-scenario frames; the harvest budget is a multiple of it
 * @param budgetMultiples harvest budgets as multiples of {@code rareRate}; 1 is the headline
 * @param seed the simulator's and the training's seed
 */
record StreamConfig(int seedFrames, int seedEpochs, int streamFrames, double rareRate, List<Double> budgetMultiples,
                    long seed) {
    StreamConfig {
        if (seedFrames < 32 || seedEpochs < 1) {
            throw new IllegalArgumentException("--seed-frames " + seedFrames + " must be at least 32 and --seed-epochs "
                    + seedEpochs + " at least 1");
        }
        if (streamFrames < 500) {
            throw new IllegalArgumentException("--frames is " + streamFrames
                    + "; use at least 500, so each top-rate trigger warms up on 100 and harvests from the rest");
        }
        if (!(rareRate > 0.0 && rareRate < 0.5)) {
            throw new IllegalArgumentException("--rare-rate is " + rareRate + "; it must be in (0, 0.5), e.g. 0.02");
        }
        budgetMultiples = List.copyOf(budgetMultiples);
        if (!budgetMultiples.contains(1.0)) {
            throw new IllegalArgumentException("budget multiples " + budgetMultiples
                    + " must include 1 (a budget equal to the rare-event rate, the headline figure)");
        }
        for (double multiple : budgetMultiples) {
            if (!(multiple > 0.0) || multiple * rareRate >= 1.0) {
                throw new IllegalArgumentException("budget multiple " + multiple + " gives a harvest rate of "
                        + multiple * rareRate + "; it must be in (0, 1)");
            }
        }
    }

    /**
     * A seed model of 2,000 frames and 4 epochs (the demo now trains 16) on a 20,000-frame stream of
     * the fleet's default 2% rare.
     */
    static StreamConfig defaults() {
        return new StreamConfig(2_000, 4, 20_000, 0.02, List.of(0.5, 1.0, 2.0, 4.0), 42L);
    }

    /** The CI size: a smaller seed model and a 4,000-frame stream. */
    static StreamConfig quick() {
        return new StreamConfig(600, 2, 4_000, 0.02, List.of(1.0), 42L);
    }
}
