/**
 * The labeling queue: edge cases harvested from the stream become tasks in PostgreSQL, labelers
 * lease them, and their labels flow on to retraining.
 *
 * <ul>
 *   <li>{@link io.gleaner.queue.TaskSinkTopology} and {@link io.gleaner.queue.TaskStore}: the
 *       idempotent sink from {@code edge-cases} into {@code edge_case_tasks}, which writes a batch
 *       per transaction before the batch's offsets are committed
 *       ({@link io.gleaner.queue.SinkBatchConfig}, {@link io.gleaner.queue.SinkBuffer}) and waits
 *       out a database outage as {@link io.gleaner.queue.SinkRetryConfig} says.
 *   <li>{@link io.gleaner.queue.TaskQueue}: claims with leases ({@code FOR UPDATE SKIP LOCKED}),
 *       heartbeats, label submission under {@link io.gleaner.queue.ConsensusConfig}, skips and
 *       flags ({@link io.gleaner.queue.FlagReason}), release, task detail and image, statistics
 *       and the label feed for retraining.
 *   <li>{@link io.gleaner.queue.QueueAdmin}: re-prioritise, per-task consensus, purge, export.
 *   <li>{@link io.gleaner.queue.TeamReport}: the team view's figures (depth and harvest precision
 *       by trigger, labels per hour, labeler agreement, model versions over time).
 *   <li>{@link io.gleaner.queue.LabelStudioFormat}, {@link io.gleaner.queue.LabelStudioExport} and
 *       {@link io.gleaner.queue.LabelStudioImport}: tasks out in Label Studio's JSON format, its
 *       annotations back in as labels, never overwriting one.
 *   <li>{@link io.gleaner.queue.Task}, {@link io.gleaner.queue.Label},
 *       {@link io.gleaner.queue.TaskDetail}, {@link io.gleaner.queue.Submission},
 *       {@link io.gleaner.queue.LabeledExample}, {@link io.gleaner.queue.QueueStats} and the other
 *       records: the values the queue hands out and takes in.
 *   <li>{@link io.gleaner.queue.TaskNotFoundException}, {@link io.gleaner.queue.TaskConflictException}
 *       (and its {@link io.gleaner.queue.LeaseException}): what the API answers with 404 and 409.
 * </ul>
 *
 * <p>Every statement binds its values; SQL text lives in constants.
 */
package io.gleaner.queue;
