package io.gleaner.queue;

import java.time.Instant;

/**
 * A task leased to one labeler: the frame to label, what the human driver did, and until when the
 * lease holds. Returned by {@link TaskQueue#claim}.
 *
 * @param taskId the task's id in {@code edge_case_tasks}
 * @param frameId the frame's id ({@code FrameEvent.frame_id})
 * @param vehicleId the vehicle that captured the frame
 * @param imageEncoding the {@code ImageEncoding} enum name, e.g. {@code IMAGE_ENCODING_PNG}
 * @param width image width in pixels
 * @param height image height in pixels
 * @param imageBytes the encoded image, or {@code null} when the image is stored by URI only
 * @param humanSteering what the driver steered, -1 (left) .. +1 (right)
 * @param humanAcceleration what the driver did with the pedals, -1 (full brake) .. +1 (full throttle)
 * @param modelVersion the model version that scored the frame when it was harvested
 * @param priority higher is served first
 * @param leaseExpiresAt after this instant the lease is void and another labeler may claim the task
 */
public record Task(
        long taskId,
        String frameId,
        String vehicleId,
        String imageEncoding,
        int width,
        int height,
        byte[] imageBytes,
        float humanSteering,
        float humanAcceleration,
        String modelVersion,
        double priority,
        Instant leaseExpiresAt) {}
