package io.gleaner.retrain.ssl;

import ai.djl.ndarray.NDArray;

/** A self-supervised loss over the projections of two views of the same images. */
public interface SslObjective {
    /**
     * The scalar loss for a batch; row {@code i} of both inputs comes from image {@code i}.
     *
     * @param view1 {@code N×D} projections of the first views
     * @param view2 {@code N×D} projections of the second views
     */
    NDArray loss(NDArray view1, NDArray view2);
}
