package io.gleaner.uncertainty;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ScoredFrame;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns a scored frame that failed {@link ScoredFrameCheck} into a {@code frames.dlq} record: the
 * original key and bytes, with the {@link DlqHeaders} saying why.
 */
final class MalformedFrameProcessor implements Processor<String, ScoredFrameCheck.Checked, byte[], byte[]> {
    private final SelectionMetrics metrics;
    private ProcessorContext<byte[], byte[]> context;

    MalformedFrameProcessor(SelectionMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, ScoredFrameCheck.Checked> record) {
        ScoredFrameCheck.Problem problem = record.value().problem();
        // Copy so the DLQ headers never leak onto another record sharing the same Headers object.
        Headers headers = new RecordHeaders(record.headers().toArray());
        // Records always come from frames.scored here; metadata is only absent outside a source record.
        RecordMetadata source = context.recordMetadata().orElse(null);
        DlqHeaders.stamp(headers, problem.reason().code(), problem.detail(), null,
                source == null ? Topics.FRAMES_SCORED.name() : source.topic(),
                source == null ? -1 : source.partition(),
                source == null ? -1L : source.offset());
        ScoredFrame frame = record.value().frame();
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        byte[] value = frame == null ? null : frame.toByteArray();
        context.forward(new Record<>(key, value, record.timestamp(), headers));
        metrics.recordMalformed();
    }
}
