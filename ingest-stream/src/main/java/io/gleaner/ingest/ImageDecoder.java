package io.gleaner.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes a PNG or JPEG with the JDK's ImageIO readers to prove its pixel data is whole. Only
 * called once the header has been read and bounded, so the decoder never allocates more than
 * {@code ingest.max-width x ingest.max-height} pixels.
 *
 * <p>A decoder warning counts as a failure: libjpeg only <em>warns</em> about a truncated JPEG
 * ("Premature end of JPEG file") and fills the missing rows with grey, which would let a cut-off
 * frame through. Streams are kept in memory ({@link MemoryCacheImageInputStream}), never in a
 * temporary file as {@code ImageIO.read} may do.
 */
final class ImageDecoder {
    private ImageDecoder() {}

    /** What the decoder made of the bytes. */
    record Decoded(int width, int height) {}

    /**
     * Decodes {@code data} as {@code format}.
     *
     * @throws ImageDecodeException with a sentence saying what the decoder refused
     */
    static Decoded decode(ImageHeaders.Format format, byte[] data) throws ImageDecodeException {
        String formatName = format == ImageHeaders.Format.PNG ? "png" : "jpeg";
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + formatName
                    + "; run ingest on a full JDK (java.desktop module)");
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new ImageDecodeException(format + " decoder warned: " + String.join("; ", warnings), null);
            }
            return new Decoded(image.getWidth(), image.getHeight());
        } catch (IOException | RuntimeException e) {
            // Corrupt input makes ImageIO throw IIOException and, on some inputs, runtime exceptions
            // (ArrayIndexOutOfBounds, IllegalArgument): all mean the same thing here.
            throw new ImageDecodeException(format + " does not decode: " + e, e);
        } finally {
            reader.dispose();
        }
    }

    /** The decoder refused the image; the message says how. */
    static final class ImageDecodeException extends Exception {
        private static final long serialVersionUID = 1L;

        ImageDecodeException(String message, Throwable cause) {
            super(message, cause);
        }

        /** The class of what the decoder threw, or of this exception when it only warned. */
        String exceptionClass() {
            return getCause() == null ? getClass().getName() : getCause().getClass().getName();
        }
    }
}
