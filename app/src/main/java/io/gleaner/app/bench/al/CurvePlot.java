package io.gleaner.app.bench.al;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A line chart of named series written as a PNG with {@code java.awt} alone (headless), so the
 * benchmarks draw their curves without a plotting dependency.
 */
public final class CurvePlot {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0x7f7f7f), new Color(0xe377c2)};

    /** One line: x and y of equal length. */
    record Series(double[] x, double[] y) {
        Series {
            if (x.length != y.length || x.length == 0) {
                throw new IllegalArgumentException("a series needs as many x as y values, at least one; got "
                        + x.length + " and " + y.length);
            }
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, Series> series = new LinkedHashMap<>();

    public CurvePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public CurvePlot add(String name, double[] x, double[] y) {
        series.put(name, new Series(x, y));
        return this;
    }

    /** Draws the chart into {@code file}, axes spanning every series' finite points. */
    public void write(Path file) {
        System.setProperty("java.awt.headless", "true");
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series.values()) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    minX = Math.min(minX, s.x()[i]);
                    maxX = Math.max(maxX, s.x()[i]);
                    minY = Math.min(minY, s.y()[i]);
                    maxY = Math.max(maxY, s.y()[i]);
                }
            }
        }
        if (!(maxX > minX)) {
            maxX = minX + 1;
        }
        double padY = Math.max((maxY - minY) * 0.05, 1e-3);
        minY -= padY;
        maxY += padY;

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (int tick = 0; tick <= 5; tick++) {
                double xv = minX + (maxX - minX) * tick / 5;
                double yv = minY + (maxY - minY) * tick / 5;
                int px = LEFT + plotW * tick / 5;
                int py = TOP + plotH - plotH * tick / 5;
                g.setColor(new Color(0xeeeeee));
                g.drawLine(px, TOP, px, TOP + plotH);
                g.drawLine(LEFT, py, LEFT + plotW, py);
                g.setColor(Color.DARK_GRAY);
                g.drawString(format(xv), px - 15, TOP + plotH + 18);
                g.drawString(format(yv), LEFT - 55, py + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, plotW, plotH);
            g.drawString(xLabel, LEFT + plotW / 2 - 40, HEIGHT - 15);
            g.drawString(yLabel, 10, TOP - 10);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, LEFT, 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setStroke(new BasicStroke(2f));
            int colour = 0;
            for (Map.Entry<String, Series> entry : series.entrySet()) {
                g.setColor(PALETTE[colour % PALETTE.length]);
                Series s = entry.getValue();
                int lastX = -1;
                int lastY = -1;
                for (int i = 0; i < s.x().length; i++) {
                    if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
                        continue;
                    }
                    int px = LEFT + (int) Math.round((s.x()[i] - minX) / (maxX - minX) * plotW);
                    int py = TOP + plotH - (int) Math.round((s.y()[i] - minY) / (maxY - minY) * plotH);
                    g.fillOval(px - 3, py - 3, 6, 6);
                    if (lastX >= 0) {
                        g.drawLine(lastX, lastY, px, py);
                    }
                    lastX = px;
                    lastY = py;
                }
                int legendY = TOP + 20 + 22 * colour;
                g.drawLine(WIDTH - RIGHT + 15, legendY - 4, WIDTH - RIGHT + 40, legendY - 4);
                g.drawString(entry.getKey(), WIDTH - RIGHT + 46, legendY);
                colour++;
            }
        } finally {
            g.dispose();
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("writing the plot " + file + ": " + e.getMessage(), e);
        }
    }

    private static String format(double value) {
        return Math.abs(value) >= 10 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3f", value);
    }
}
