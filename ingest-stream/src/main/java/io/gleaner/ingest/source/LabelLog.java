package io.gleaner.ingest.source;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A real data set's class labels, out of band: one JSON object per line, keyed by frame id
 * ({@code {"frameId":"fmnist-train-00000","classIndex":9,"label":"Ankle boot"}}). Like the
 * simulator's truth log it is for labelers and benchmarks only; no stage reads it.
 *
 * <p>Appends go to the end of the file (a re-run adds lines; a reader keeps the last line per
 * frame id). Lines are buffered and flushed by {@link #flush()} and {@link #close()}: publish a
 * batch, then flush, so the labels are on disk by the time the frames are. Not thread-safe.
 */
public final class LabelLog implements AutoCloseable {
    private final Path file;
    private final BufferedWriter writer;

    private LabelLog(Path file, BufferedWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    /** Opens {@code file} for appending, creating it and its parent folders when missing. */
    public static LabelLog create(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new LabelLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open label log " + file + " for appending: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Appends the label of {@code frame}. */
    public void append(LabeledFrame frame) {
        Objects.requireNonNull(frame, "frame");
        try {
            writer.write(toJson(frame.event().getFrameId(), frame.classIndex(), frame.label()));
            writer.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to label log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes buffered lines to the file. */
    public void flush() {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush label log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close label log " + file + ": " + e.getMessage(), e);
        }
    }

    static String toJson(String frameId, int classIndex, String label) {
        return "{\"frameId\":" + quote(frameId) + ",\"classIndex\":" + classIndex + ",\"label\":" + quote(label) + "}";
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
