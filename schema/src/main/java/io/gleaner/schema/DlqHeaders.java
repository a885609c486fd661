package io.gleaner.schema;

/** Header names on {@code frames.dlq} records: why a record was rejected and where it came from. */
public final class DlqHeaders {
    private DlqHeaders() {}

    /** A short, stable reason code, e.g. {@code unparseable-protobuf}, {@code image-too-large}. */
    public static final String REASON = "gleaner.dlq.reason";
    /** A human-readable sentence saying what was wrong and the limit or rule that applied. */
    public static final String DETAIL = "gleaner.dlq.detail";
    /** Class name of the exception, when one was caught. */
    public static final String EXCEPTION = "gleaner.dlq.exception";
    public static final String SOURCE_TOPIC = "gleaner.dlq.source.topic";
    public static final String SOURCE_PARTITION = "gleaner.dlq.source.partition";
    public static final String SOURCE_OFFSET = "gleaner.dlq.source.offset";
}
