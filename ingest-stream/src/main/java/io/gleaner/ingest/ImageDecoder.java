package io.gleaner.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
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

    /*
     * Looked up once: ImageIO.getImageReadersByFormatName filters the whole plugin registry, through
     * reflection, on every call: a visible share of a 64x64 frame's decode in a profile. A provider is
     * thread-safe; the readers it makes are not, so each decode still gets its own.
     */
    private static final ImageReaderSpi PNG_READERS = readerProvider("png");
    private static final ImageReaderSpi JPEG_READERS = readerProvider("jpeg");

    /**
     * Decodes the image in {@code data} as {@code format}. Takes a stream so that callers can hand
     * over the bytes they hold without copying them first.
     *
     * @throws ImageDecodeException with a sentence saying what the decoder refused
     */
    static Decoded decode(ImageHeaders.Format format, InputStream data) throws ImageDecodeException {
        ImageReader reader;
        try {
            reader = (format == ImageHeaders.Format.PNG ? PNG_READERS : JPEG_READERS).createReaderInstance();
        } catch (IOException e) {
            throw new IllegalStateException("the JDK's ImageIO " + format + " reader could not be created", e);
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(data)) {
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

    private static ImageReaderSpi readerProvider(String formatName) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + formatName
                    + "; run ingest on a full JDK (java.desktop module)");
        }
        ImageReader reader = readers.next();
        ImageReaderSpi provider = reader.getOriginatingProvider();
        reader.dispose();
        return provider;
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
