package io.gleaner.ingest.poison;

import io.gleaner.ingest.RejectReason;
import java.util.Objects;
import java.util.Optional;

/**
 * One bad {@code frames.raw} record and the reason ingest must give when it dead-letters it.
 *
 * @param name the kind and serial, e.g. {@code truncated-png-3}; unique within one zoo
 * @param key the record key as it is to be sent (may be null for a record that has none)
 * @param value the record value as it is to be sent (may be empty)
 * @param expected the reason the record must carry in {@code frames.dlq}
 */
public record PoisonRecord(String name, byte[] key, byte[] value, RejectReason expected) {
    public PoisonRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(expected, "expected");
    }

    /** This record as one of a mixed stream. */
    public RawRecord toRaw() {
        return new RawRecord(name, key, value, Optional.of(expected));
    }
}
