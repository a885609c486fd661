package io.gleaner.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one task: the frame, what the model said, what the driver did, why the
 * frame was harvested, where the task stands, and its labels and flags. Returned by
 * {@link TaskQueue#detail}; the image itself comes from {@link TaskQueue#image}.
 *
 * @param taskId the task's id
 * @param frameId the frame's id
 * @param vehicleId the vehicle that captured it
 * @param captureTime when it was captured
 * @param imageEncoding the {@code ImageEncoding} enum name
 * @param width image width in pixels
 * @param height image height in pixels
 * @param imageUri where the image is when it is not stored in the task, else {@code null}
 * @param humanSteering what the driver steered
 * @param humanAcceleration what the driver did with the pedals
 * @param modelVersion the model version that scored the frame
 * @param sceneProbabilities scene class to probability, in the model's class order
 * @param predictedSteering the model's steering
 * @param predictedAcceleration the model's acceleration
 * @param triggers the acquisition functions that fired, in order
 * @param priority higher is served first
 * @param state {@code pending}, {@code leased}, {@code labeled} or {@code skipped}
 * @param attempts how many times it has been leased
 * @param leaseOwner who holds it while leased, else {@code null}
 * @param leaseExpiresAt until when, else {@code null}
 * @param harvestedAt when the selection stage harvested it
 * @param labelsRequired agreeing labels that make it labeled (its own or the queue's default)
 * @param maxLabels labels after which it is set aside without agreement
 * @param labels its labels, oldest first
 * @param flags its skips and flags, oldest first
 */
public record TaskDetail(
        long taskId,
        String frameId,
        String vehicleId,
        Instant captureTime,
        String imageEncoding,
        int width,
        int height,
        String imageUri,
        float humanSteering,
        float humanAcceleration,
        String modelVersion,
        Map<String, Double> sceneProbabilities,
        float predictedSteering,
        float predictedAcceleration,
        List<FiredTrigger> triggers,
        double priority,
        String state,
        int attempts,
        String leaseOwner,
        Instant leaseExpiresAt,
        Instant harvestedAt,
        int labelsRequired,
        int maxLabels,
        List<RecordedLabel> labels,
        List<TaskFlag> flags) {}
