package io.gleaner.ingest.source;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file {@link ImageFolderSource} left out, and why.
 *
 * @param file the file as found under the folder
 * @param reason the kind of problem, for counting
 * @param detail what exactly was wrong, for the log
 */
public record SkippedFile(Path file, Reason reason, String detail) {
    /** Why a file was left out. */
    public enum Reason {
        /** It could not be read, or its header is not a PNG or JPEG header. */
        UNREADABLE,
        /** Its byte size or its pixel size (from the header) is over the ingest limits. */
        OVERSIZED
    }

    public SkippedFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}
