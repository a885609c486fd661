package io.gleaner.retrain.ssl;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads every PNG and JPEG under a folder, in path order, resized (bilinear) to a square of
 * {@code size} pixels, as an {@link ImageSet} of unlabeled frames. Files ImageIO cannot decode
 * are skipped and counted, never fatal: a folder of fleet frames always has a few broken ones.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** What was read, and how many files were skipped. */
    public record Read(ImageSet images, int skipped) {}

    /**
     * @param channels 1 to read gray, 3 to read RGB
     * @throws IllegalArgumentException when the folder holds no readable image
     */
    public static Read read(Path dir, int size, int channels) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        int plane = size * size;
        byte[] pixels = new byte[files.size() * channels * plane];
        int count = 0;
        int skipped = 0;
        BufferedImage scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (Path file : files) {
            BufferedImage image;
            try {
                image = ImageIO.read(file.toFile());
            } catch (IOException | RuntimeException e) {
                image = null;
            }
            if (image == null) {
                skipped++;
                continue;
            }
            Graphics2D g = scaled.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(image, 0, 0, size, size, null);
            } finally {
                g.dispose();
            }
            int[] rgb = scaled.getRGB(0, 0, size, size, null, 0, size);
            int base = count * channels * plane;
            for (int p = 0; p < plane; p++) {
                int r = (rgb[p] >> 16) & 0xFF;
                int gr = (rgb[p] >> 8) & 0xFF;
                int b = rgb[p] & 0xFF;
                if (channels == 1) {
                    pixels[base + p] = (byte) Math.round(0.299f * r + 0.587f * gr + 0.114f * b);
                } else {
                    pixels[base + p] = (byte) r;
                    pixels[base + plane + p] = (byte) gr;
                    pixels[base + 2 * plane + p] = (byte) b;
                }
            }
            count++;
        }
        if (count == 0) {
            throw new IllegalArgumentException("no readable PNG or JPEG under " + dir + " (" + skipped + " skipped)");
        }
        byte[] exact = new byte[count * channels * plane];
        System.arraycopy(pixels, 0, exact, 0, exact.length);
        return new Read(new ImageSet("folder:" + dir.toAbsolutePath().normalize(), count, channels, size, exact), skipped);
    }

    private static boolean isImageName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
    }
}
