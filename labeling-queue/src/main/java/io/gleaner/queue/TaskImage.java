package io.gleaner.queue;

/**
 * A task's image as stored: the encoded bytes, or only a URI when the fleet stores images elsewhere.
 *
 * @param encoding the {@code ImageEncoding} enum name, e.g. {@code IMAGE_ENCODING_PNG}
 * @param bytes the encoded image, or {@code null} when only {@code uri} is set
 * @param uri where the image is, or {@code null} when {@code bytes} is set
 */
public record TaskImage(String encoding, byte[] bytes, String uri) {}
