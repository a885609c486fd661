package io.gleaner.ingest.sim;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Writes 8-bit RGB pixels as a baseline JPEG through the JDK's ImageIO writer. Its output depends
 * only on the pixels and the quality (no timestamps or random fields), so simulated frames stay
 * byte-identical for a seed.
 */
final class JpegEncoder {
    private JpegEncoder() {}

    /** Encodes {@code rgb} (row-major, 3 bytes per pixel) at {@code quality} (0..1). */
    static byte[] encodeRgb(byte[] rgb, int width, int height, double quality) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "expected " + (width * height * 3) + " RGB bytes for " + width + "x" + height + ", got " + rgb.length);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO JPEG writer; use sim.encoding=PNG");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(width * height / 2 + 1024);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality((float) quality);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a " + width + "x" + height + " frame as JPEG", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
