package io.gleaner.ingest.poison;

import io.gleaner.ingest.RejectReason;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code frames.raw} record as a producer would send it, with what ingest must do with it: pass it
 * to {@code frames.valid} (no expected rejection) or dead-letter it with the expected reason.
 *
 * @param name what the record is, e.g. a frame id or a poison name
 * @param key the record key, may be null
 * @param value the record value
 * @param expectedRejection the reason ingest must reject it for; empty for a good record
 */
public record RawRecord(String name, byte[] key, byte[] value, Optional<RejectReason> expectedRejection) {
    public RawRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(expectedRejection, "expectedRejection (empty for a good record)");
    }

    /** A record ingest must accept. */
    public static RawRecord good(String name, byte[] key, byte[] value) {
        return new RawRecord(name, key, value, Optional.empty());
    }

    /** Whether ingest must reject this record. */
    public boolean isPoison() {
        return expectedRejection.isPresent();
    }
}
