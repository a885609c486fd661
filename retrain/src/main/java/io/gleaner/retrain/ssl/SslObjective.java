package io.gleaner.retrain.ssl;

import ai.djl.ndarray.NDArray;

/**
 * A self-supervised loss over the projections of two views of the same images.
 *
 * <p>An implementation writes every constant that enters the loss as an array on the views'
 * manager ({@code x.mul(manager.create(25f))}), never as a Java number ({@code x.mul(25f)}). DJL
 * turns a number into a 0-d tensor over a direct buffer and closes that tensor when the op
 * returns, while autograd keeps it for the backward pass of {@code mul}, {@code div} and
 * {@code maximum}: once a garbage collection frees the buffer, backward reads freed memory and the
 * gradient is garbage. That was issue 4, VICReg's weights turning NaN when it trained after other
 * work in the same JVM, where collections are more frequent. An array on the views' manager lives
 * until the caller closes the batch, after backward.
 */
public interface SslObjective {
    /**
     * The scalar loss for a batch; row {@code i} of both inputs comes from image {@code i}. The
     * views' manager must stay open until the backward pass of the result is done.
     *
     * @param view1 {@code N×D} projections of the first views
     * @param view2 {@code N×D} projections of the second views
     */
    NDArray loss(NDArray view1, NDArray view2);
}
