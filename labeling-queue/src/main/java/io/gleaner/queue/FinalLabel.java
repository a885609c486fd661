package io.gleaner.queue;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The label that made a task labeled (alone, or as the one that completed the agreement), with
 * what the model said about the frame when it was harvested: what label feedback is made of.
 * Returned by {@link FinalLabelFeed#after} in ascending {@code labelId} order, one per labeled task.
 *
 * @param labelId the label's id; increases with every label
 * @param taskId the labeled task
 * @param frameId the labeled frame (unique per task)
 * @param label the final label's scene and action
 * @param labeledAt when the label was stored
 * @param modelVersion the model version that scored the frame
 * @param sceneProbabilities the model's scene class probabilities, in the model's class order;
 *     empty when it gave none
 * @param predictedSteering the model's steering
 * @param predictedAcceleration the model's acceleration
 * @param triggers the triggers that harvested the frame, in the edge case's order
 */
public record FinalLabel(
        long labelId,
        long taskId,
        String frameId,
        Label label,
        Instant labeledAt,
        String modelVersion,
        Map<String, Double> sceneProbabilities,
        float predictedSteering,
        float predictedAcceleration,
        List<FiredTrigger> triggers) {
    public FinalLabel {
        sceneProbabilities = Collections.unmodifiableMap(new LinkedHashMap<>(sceneProbabilities));
        triggers = List.copyOf(triggers);
    }
}
