package io.gleaner.ingest.sim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The simulator's out-of-band ground truth: one {@link Truth} per line, as JSON
 * ({@code {"frameId":"…","scenario":"clear_road","steering":0.12,"acceleration":0.2,"humanErred":false}}).
 *
 * <p>Appends go to the end of the file (an existing log is kept, so a restarted simulator adds to
 * it) and are flushed one by one, so a reader in the same process sees every truth appended
 * before it reads. Thread-safe.
 */
public final class TruthLog implements AutoCloseable {
    private final Path file;
    private final BufferedWriter writer;

    private TruthLog(Path file, BufferedWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    /** Opens {@code file} for appending, creating it and its parent folders when missing. */
    public static TruthLog create(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new TruthLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open truth log " + file + " for appending", e);
        }
    }

    /** The file this log appends to. */
    public Path file() {
        return file;
    }

    /** Appends one truth as a line and flushes it. */
    public synchronized void append(Truth truth) {
        Objects.requireNonNull(truth, "truth");
        try {
            writer.write(toJson(truth));
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to truth log " + file, e);
        }
    }

    /**
     * Reads every complete line of a truth log, by frame id (a later line wins when a frame id
     * repeats). A trailing line without its newline is still being written and is skipped.
     */
    public static Map<String, Truth> read(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read truth log " + file, e);
        }
        Map<String, Truth> truths = new LinkedHashMap<>();
        int lineStart = 0;
        int lineNumber = 0;
        for (int newline = content.indexOf('\n'); newline >= 0; newline = content.indexOf('\n', lineStart)) {
            lineNumber++;
            String line = content.substring(lineStart, newline).strip();
            lineStart = newline + 1;
            if (line.isEmpty()) {
                continue;
            }
            try {
                Truth truth = fromJson(line);
                truths.put(truth.frameId(), truth);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("truth log " + file + " line " + lineNumber + ": " + e.getMessage(), e);
            }
        }
        return truths;
    }

    @Override
    public synchronized void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close truth log " + file, e);
        }
    }

    static String toJson(Truth truth) {
        return "{\"frameId\":" + FlatJson.quote(truth.frameId())
                + ",\"scenario\":" + FlatJson.quote(truth.scenario().label())
                + ",\"steering\":" + truth.steering()
                + ",\"acceleration\":" + truth.acceleration()
                + ",\"humanErred\":" + truth.humanErred() + "}";
    }

    static Truth fromJson(String line) {
        Map<String, String> fields = FlatJson.parseObject(line);
        return new Truth(
                required(fields, "frameId"),
                Scenario.fromLabel(required(fields, "scenario")),
                parseFloat(fields, "steering"),
                parseFloat(fields, "acceleration"),
                Boolean.parseBoolean(required(fields, "humanErred")));
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        return value;
    }

    private static float parseFloat(Map<String, String> fields, String name) {
        String value = required(fields, name);
        try {
            return Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field \"" + name + "\" is not a number: " + value, e);
        }
    }
}
