package io.gleaner.app.demo;

import java.util.List;

/**
 * The outcome of a whole run of the loop.
 *
 * @param rounds one report per round
 * @param rareErrorFirst the seed model's rare-scenario action error, before any label
 * @param commonErrorFirst the seed model's common-frame action error
 * @param deadLettered records that landed in frames.dlq
 */
public record LoopSummary(List<RoundReport> rounds, double rareErrorFirst, double commonErrorFirst,
                          long deadLettered) {

    public long harvested() {
        return rounds.stream().mapToLong(RoundReport::harvested).sum();
    }

    public long labeled() {
        return rounds.stream().mapToLong(RoundReport::labeled).sum();
    }

    public double rareErrorLast() {
        return rounds.isEmpty() ? rareErrorFirst : rounds.get(rounds.size() - 1).rareError();
    }

    public String modelVersion() {
        return rounds.isEmpty() ? "" : rounds.get(rounds.size() - 1).modelVersion();
    }
}
