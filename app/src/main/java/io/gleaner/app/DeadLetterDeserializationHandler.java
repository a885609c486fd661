package io.gleaner.app;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a record that a stage cannot even deserialize to {@code frames.dlq}, with the original
 * key and bytes and the usual {@link DlqHeaders}, and carries on. Without it one bad record on
 * an internal topic would fail the stream thread, and the replacement thread would read the same
 * offset again, forever: the stage would stop.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    /** The {@link DlqHeaders#REASON} of records this handler dead-letters. */
    public static final String REASON = "undeserializable-record";

    @Override
    public void configure(Map<String, ?> configs) {
        // Nothing to configure: the dead-letter topic is part of the wire contract.
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                Exception exception) {
        String detail = "record at " + context.topic() + "-" + context.partition() + "@" + context.offset()
                + " could not be deserialized: " + exception.getMessage();
        LOG.warn("{}; sent to {}", detail, Topics.FRAMES_DLQ);
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        DlqHeaders.stamp(headers, REASON, detail, exception.getClass().getName(),
                context.topic(), context.partition(), context.offset());
        return Response.resume(List.of(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), null,
                record.key(), record.value(), headers)));
    }
}
