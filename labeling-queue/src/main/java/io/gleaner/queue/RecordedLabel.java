package io.gleaner.queue;

import java.time.Instant;

/**
 * A label as stored: who gave it, when, and whether it completed its task.
 *
 * @param labelId the label's id
 * @param labelerId who labeled
 * @param label scene, action and notes
 * @param completesTask true when this label made the task labeled
 * @param createdAt when it was stored
 */
public record RecordedLabel(long labelId, String labelerId, Label label, boolean completesTask, Instant createdAt) {}
