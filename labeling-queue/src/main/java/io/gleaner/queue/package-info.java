/**
 * The labeling queue: edge cases harvested from the stream become tasks in PostgreSQL, labelers
 * lease them, and their labels flow on to retraining.
 *
 * <ul>
 *   <li>{@link io.gleaner.queue.TaskSinkTopology} and {@link io.gleaner.queue.TaskStore}: the
 *       idempotent sink from {@code edge-cases} into {@code edge_case_tasks}.
 *   <li>{@link io.gleaner.queue.TaskQueue}: claims with leases ({@code FOR UPDATE SKIP LOCKED}),
 *       label submission, release, statistics and the label feed for retraining.
 *   <li>{@link io.gleaner.queue.Task}, {@link io.gleaner.queue.Label},
 *       {@link io.gleaner.queue.LabeledExample}, {@link io.gleaner.queue.QueueStats}: the values
 *       the queue hands out and takes in.
 * </ul>
 *
 * <p>Every statement binds its values; SQL text lives in constants.
 */
package io.gleaner.queue;
