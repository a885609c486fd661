package io.gleaner.app.bench.al;

/**
 * How well one selector's harvest matches what is worth a human's time: precision (share of the
 * harvested frames that are positives) and recall (share of the positives harvested). Both are NaN
 * when their denominator is 0.
 *
 * @param harvested frames harvested
 * @param hits harvested frames that are positives
 * @param positives positives in the whole stream
 */
record HarvestScore(long harvested, long hits, long positives) {
    HarvestScore {
        if (harvested < 0 || hits < 0 || positives < 0 || hits > harvested || hits > positives) {
            throw new IllegalArgumentException("harvest counts " + harvested + " harvested, " + hits + " hits, "
                    + positives + " positives are inconsistent");
        }
    }

    double precision() {
        return harvested == 0 ? Double.NaN : hits / (double) harvested;
    }

    double recall() {
        return positives == 0 ? Double.NaN : hits / (double) positives;
    }
}
