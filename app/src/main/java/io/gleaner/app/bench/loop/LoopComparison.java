package io.gleaner.app.bench.loop;

import io.gleaner.app.demo.LoopSummary;
import io.gleaner.app.demo.RoundReport;
import java.util.List;
import java.util.Objects;

/**
 * The closed-loop benchmark's figures, worked out from the two arms' runs: how far each arm
 * brought the rare-scenario action error down from its seed model by the last round, the ratio of
 * the two, and how much the engine's arm let the common-scenario error rise.
 *
 * @param engine the arm harvesting with the engine's triggers
 * @param random the arm harvesting at random with the same labels per round
 */
public record LoopComparison(LoopSummary engine, LoopSummary random) {

    public LoopComparison {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(random, "random");
        if (engine.rounds().isEmpty() || engine.rounds().size() != random.rounds().size()) {
            throw new IllegalArgumentException("the arms ran " + engine.rounds().size() + " and "
                    + random.rounds().size() + " rounds; compare arms of the same length, at least one round");
        }
    }

    /** Seed rare-scenario error minus last-round rare-scenario error of the engine's arm; positive is better. */
    public double engineReduction() {
        return reduction(engine);
    }

    /** The same for the random arm. */
    public double randomReduction() {
        return reduction(random);
    }

    /**
     * {@link #engineReduction()} ÷ {@link #randomReduction()}: positive infinity when random did
     * not reduce the error at all (reduction ≤ 0) and the engine did, NaN when neither did.
     */
    public double reductionRatio() {
        double e = engineReduction();
        double r = randomReduction();
        if (r > 0) {
            return e / r;
        }
        return e > 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    }

    /**
     * How much worse, relative, the engine's arm drives common scenarios after the last round than
     * its seed model did: (last − seed) ÷ seed; negative when it got better.
     */
    public double commonRegression() {
        return regression(engine, last(engine).commonError());
    }

    /** The largest {@link #commonRegression()} after any round of the engine's arm. */
    public double worstCommonRegression() {
        return engine.rounds().stream().mapToDouble(r -> regression(engine, r.commonError())).max().orElseThrow();
    }

    /** Whether both arms labeled exactly as many frames in every round. */
    public boolean sameLabelBudget() {
        return labelsPerRound(engine).equals(labelsPerRound(random));
    }

    /** Labels over all rounds of the engine's arm. */
    public long labels() {
        return engine.labeled();
    }

    static List<Long> labelsPerRound(LoopSummary summary) {
        return summary.rounds().stream().map(RoundReport::labeled).toList();
    }

    private static double reduction(LoopSummary summary) {
        return summary.rareErrorFirst() - last(summary).rareError();
    }

    private static double regression(LoopSummary summary, double commonError) {
        return (commonError - summary.commonErrorFirst()) / summary.commonErrorFirst();
    }

    private static RoundReport last(LoopSummary summary) {
        return summary.rounds().get(summary.rounds().size() - 1);
    }
}
