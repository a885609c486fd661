package io.gleaner.schema;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * Header names on {@code frames.dlq} records: why a record was rejected and where it came from.
 * Every stage writes them through {@link #stamp}, so a dead letter reads the same whichever stage
 * refused it. Where Kafka Streams' own dead-letter queue (KIP-1034) has a header for the same
 * thing, its name is used, so tools made for those records read these too; the reason code and
 * the time are Gleaner's.
 */
public final class DlqHeaders {
    private DlqHeaders() {}

    /** A short, stable reason code, e.g. {@code unparseable-protobuf}, {@code image-too-large}. */
    public static final String REASON = "gleaner.dlq.reason";
    /** When the record was dead-lettered, in epoch milliseconds, decimal. */
    public static final String TIME = "gleaner.dlq.time";
    /** A human-readable sentence saying what was wrong and the limit or rule that applied. */
    public static final String DETAIL = "__streams.errors.message";
    /** Class name of the exception, when one was caught. */
    public static final String EXCEPTION = "__streams.errors.exception";
    /** Topic the rejected record was read from. */
    public static final String SOURCE_TOPIC = "__streams.errors.topic";
    /** Partition the rejected record was read from, in decimal. */
    public static final String SOURCE_PARTITION = "__streams.errors.partition";
    /** Offset of the rejected record in its partition, in decimal. */
    public static final String SOURCE_OFFSET = "__streams.errors.offset";

    /**
     * Sets every header on {@code headers}, replacing earlier values of the same name (a record
     * replayed into the DLQ twice must not carry two reasons).
     *
     * @param exception class name of the exception caught, or null when there was none
     */
    public static void stamp(Headers headers, String reason, String detail, String exception,
                             String sourceTopic, int sourcePartition, long sourceOffset) {
        set(headers, REASON, reason);
        set(headers, DETAIL, detail);
        if (exception == null || exception.isEmpty()) {
            headers.remove(EXCEPTION);
        } else {
            set(headers, EXCEPTION, exception);
        }
        set(headers, SOURCE_TOPIC, sourceTopic);
        set(headers, SOURCE_PARTITION, Integer.toString(sourcePartition));
        set(headers, SOURCE_OFFSET, Long.toString(sourceOffset));
        set(headers, TIME, Long.toString(System.currentTimeMillis()));
    }

    private static void set(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
