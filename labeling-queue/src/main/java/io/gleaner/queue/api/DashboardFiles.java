package io.gleaner.queue.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The dashboard's static files (plain HTML, JavaScript and CSS, no build step), read from the
 * class path under {@value #ROOT}. A name is looked up only if it is one flat file name of a
 * known type ({@code app.js}, not {@code ../x} or {@code a/b.js}), so a request can never reach
 * another resource or a file on disk; percent-escapes are never decoded, so {@code %2e%2e} is
 * just an unknown name.
 */
final class DashboardFiles {
    /** Class-path folder that holds the files. */
    static final String ROOT = "/io/gleaner/queue/dashboard/";

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}\\.(html|js|css)");

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8");

    /** A file to send. */
    record File(String contentType, byte[] bytes) {}

    private DashboardFiles() {}

    /** The file called {@code name}, or empty when the name is not a dashboard file. */
    static Optional<File> find(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        try (InputStream in = DashboardFiles.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            return Optional.of(new File(type, in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading dashboard file " + name + " from the class path", e);
        }
    }
}
