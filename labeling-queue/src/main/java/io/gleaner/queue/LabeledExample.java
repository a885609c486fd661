package io.gleaner.queue;

/**
 * One human label with the image it labels: a training example for retraining. Returned by
 * {@link TaskQueue#labeledAfter} in ascending {@code labelId} order, so a caller can resume from
 * the highest id it has seen.
 *
 * @param labelId the label's id; increases with every label
 * @param taskId the labeled task
 * @param frameId the labeled frame
 * @param imageEncoding the {@code ImageEncoding} enum name, e.g. {@code IMAGE_ENCODING_PNG}
 * @param width image width in pixels
 * @param height image height in pixels
 * @param imageBytes the encoded image, or {@code null} when the image is stored by URI only
 * @param scene the scene class the labeler saw
 * @param steering the correct steering, -1 .. +1
 * @param acceleration the correct acceleration, -1 .. +1
 */
public record LabeledExample(
        long labelId,
        long taskId,
        String frameId,
        String imageEncoding,
        int width,
        int height,
        byte[] imageBytes,
        String scene,
        float steering,
        float acceleration) {}
