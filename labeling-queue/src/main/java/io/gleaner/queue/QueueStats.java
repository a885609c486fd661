package io.gleaner.queue;

/**
 * How many tasks are in each state, and how many labels exist. A lease that has expired counts as
 * {@code pending}, because it can be claimed again; {@code leased} counts only live leases.
 *
 * @param pending tasks waiting for a labeler, including those whose lease expired
 * @param leased tasks held by a labeler under a live lease
 * @param labeled tasks with a label
 * @param skipped tasks set aside without a label
 * @param labels labels in total (a task may have more than one)
 */
public record QueueStats(long pending, long leased, long labeled, long skipped, long labels) {}
