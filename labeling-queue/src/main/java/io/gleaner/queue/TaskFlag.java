package io.gleaner.queue;

import java.time.Instant;

/**
 * A skip or a flag recorded on a task.
 *
 * @param flagId the row's id
 * @param labelerId who skipped or flagged, or {@code null} when the queue set the task aside itself
 * @param skip true for a skip (the task was set aside), false for a flag (it stayed in the queue)
 * @param reason why
 * @param note free text, or {@code null}
 * @param createdAt when
 */
public record TaskFlag(long flagId, String labelerId, boolean skip, FlagReason reason, String note, Instant createdAt) {}
