package io.gleaner.uncertainty;

import io.gleaner.schema.v1.TriggerYield;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global trigger-yield table (trigger name → latest {@code TriggerYield} on
 * {@code trigger-yield}) that every selection task reads its priority multipliers from, and shows
 * each update in {@link SelectionMetrics#triggerYields()}.
 */
final class TriggerYieldTableProcessor implements Processor<String, TriggerYield, Void, Void> {
    private final SelectionMetrics metrics;
    private KeyValueStore<String, TriggerYield> yields;

    TriggerYieldTableProcessor(SelectionMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.yields = context.getStateStore(SelectionTopology.TRIGGER_YIELD_STORE);
    }

    @Override
    public void process(Record<String, TriggerYield> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            yields.delete(record.key());
            metrics.forgetYield(record.key());
            return;
        }
        yields.put(record.key(), record.value());
        metrics.recordYield(record.value());
    }
}
