package io.gleaner.queue;

/**
 * What a submitted label did: its id, and the state the task is in afterwards.
 *
 * @param labelId the new label's id
 * @param completesTask true when this label made the task labeled
 * @param taskState {@code labeled} (final), {@code pending} (back in the queue for another
 *     labeler's label) or {@code skipped} (set aside: the label cap was reached without agreement)
 */
public record Submission(long labelId, boolean completesTask, String taskState) {}
