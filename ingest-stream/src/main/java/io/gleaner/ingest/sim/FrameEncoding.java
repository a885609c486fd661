package io.gleaner.ingest.sim;

import io.gleaner.schema.v1.ImageEncoding;

/** How the simulator encodes its frames: lossless PNG, or JPEG with its compression artifacts. */
public enum FrameEncoding {
    PNG(ImageEncoding.IMAGE_ENCODING_PNG),
    JPEG(ImageEncoding.IMAGE_ENCODING_JPEG);

    private final ImageEncoding wire;

    FrameEncoding(ImageEncoding wire) {
        this.wire = wire;
    }

    /** The encoding flag written into the {@code FrameEvent}. */
    public ImageEncoding wire() {
        return wire;
    }
}
