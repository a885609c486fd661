package io.gleaner.uncertainty;

import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.v1.ScoredFrame;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Turns a scored frame that cannot be scored into a {@code frames.dlq} record with its reason. */
final class MalformedFrameProcessor implements Processor<String, ScoredFrame, byte[], byte[]> {
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
    public void process(Record<String, ScoredFrame> record) {
        ScoredFrameCheck.Problem problem = ScoredFrameCheck.check(record.value())
                .orElse(new ScoredFrameCheck.Problem("unscorable", "the frame failed the selection checks"));
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(DlqHeaders.REASON, utf8(problem.reason()));
        headers.add(DlqHeaders.DETAIL, utf8(problem.detail()));
        context.recordMetadata().ifPresent(source -> {
            headers.add(DlqHeaders.SOURCE_TOPIC, utf8(source.topic()));
            headers.add(DlqHeaders.SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
            headers.add(DlqHeaders.SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        });
        byte[] key = record.key() == null ? null : utf8(record.key());
        byte[] value = record.value() == null ? null : record.value().toByteArray();
        context.forward(new Record<>(key, value, record.timestamp(), headers));
        metrics.recordMalformed();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
