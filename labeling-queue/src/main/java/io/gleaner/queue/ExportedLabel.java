package io.gleaner.queue;

import java.time.Instant;
import java.util.List;

/**
 * One label with its task's context, as an admin exports it: returned by
 * {@link QueueAdmin#exportLabels} in ascending {@code labelId} order.
 *
 * @param labelId the label's id
 * @param taskId the task
 * @param frameId the frame
 * @param labelerId who labeled
 * @param label scene, action and notes
 * @param completesTask true when this label made the task labeled
 * @param createdAt when the label was stored
 * @param modelVersion the model that scored the frame
 * @param predictedSteering the model's steering
 * @param predictedAcceleration the model's acceleration
 * @param humanSteering the driver's steering
 * @param humanAcceleration the driver's acceleration
 * @param triggers why the frame was harvested
 */
public record ExportedLabel(
        long labelId,
        long taskId,
        String frameId,
        String labelerId,
        Label label,
        boolean completesTask,
        Instant createdAt,
        String modelVersion,
        float predictedSteering,
        float predictedAcceleration,
        float humanSteering,
        float humanAcceleration,
        List<FiredTrigger> triggers) {}
