package io.gleaner.queue;

/**
 * How concurrent calls were batched: a batch is one transaction for many callers.
 *
 * @param batches batches run
 * @param requests calls they carried; {@code requests / batches} is the mean batch
 * @param largest the most calls one batch carried
 */
public record CoalescerStats(long batches, long requests, long largest) {
    /** What ran after {@code earlier} was read; {@code largest} stays the largest since the start. */
    public CoalescerStats since(CoalescerStats earlier) {
        return new CoalescerStats(batches - earlier.batches, requests - earlier.requests, largest);
    }

    /** Calls per batch, or 0 before the first. */
    public double meanBatch() {
        return batches == 0 ? 0 : (double) requests / batches;
    }
}
