/**
 * Frame sources for real images, next to the simulator in {@code sim/}:
 * {@link io.gleaner.ingest.source.FashionMnistSource} streams the Fashion-MNIST IDX files as
 * {@code FrameEvent}s, with each class label kept out of band in a
 * {@link io.gleaner.ingest.source.LabelLog}; {@link io.gleaner.ingest.source.ImageFolderSource}
 * streams a folder of PNG and JPEG files.
 *
 * <p>Sources only make frames; publishing them to {@code frames.raw} is the caller's job (the
 * {@code gleaner ingest} commands). Both are lazy: they hold one image at a time, not the data set.
 */
package io.gleaner.ingest.source;
