package io.gleaner.retrain;

import com.google.protobuf.ByteString;
import io.gleaner.queue.LabeledExample;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;

/** Turns the image a labeled example carries back into the wire {@link Image} the model preprocesses. */
final class LabeledImages {
    private LabeledImages() {}

    static Image imageOf(LabeledExample example) {
        ImageEncoding encoding;
        try {
            encoding = ImageEncoding.valueOf(example.imageEncoding());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("label " + example.labelId() + " (frame " + example.frameId()
                    + "): image encoding '" + example.imageEncoding() + "' is not an ImageEncoding name such as "
                    + ImageEncoding.IMAGE_ENCODING_PNG.name(), e);
        }
        byte[] bytes = example.imageBytes();
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("label " + example.labelId() + " (frame " + example.frameId()
                    + "): the task has no inline image bytes; images stored by URI are not supported for training yet");
        }
        long pixels = (long) example.width() * example.height();
        // Raw images are interleaved 8-bit pixels, so their channel count follows from the size.
        int channels = encoding == ImageEncoding.IMAGE_ENCODING_RAW && pixels > 0 ? (int) (bytes.length / pixels) : 3;
        return Image.newBuilder()
                .setEncoding(encoding)
                .setWidth(example.width())
                .setHeight(example.height())
                .setChannels(channels)
                .setData(ByteString.copyFrom(bytes))
                .build();
    }
}
