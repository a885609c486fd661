package io.gleaner.uncertainty;

import io.gleaner.schema.v1.LabelFeedback;
import io.gleaner.schema.v1.TriggerYield;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Counts each trigger's yield from {@code label-feedback}: one more labeled harvest for every
 * trigger a labeled frame's edge case named, and one more model error for each if the label showed
 * the model wrong. The counts live in {@value SelectionTopology#YIELD_COUNTS_STORE} (trigger name →
 * labeled and errors, two longs); after each record, every trigger's {@code TriggerYield} with its
 * new {@link TriggerBandit} share goes out, keyed by trigger name. Runs on one task (feedback is
 * re-keyed to one key upstream), since the shares compare every trigger with every other.
 *
 * <p>A frame is counted once within {@link TriggerYieldConfig#feedbackDedupRetention()}: the frame
 * ids counted live in {@value SelectionTopology#FEEDBACK_SEEN_STORE} (frame id → the feedback's label
 * id, at the wall-clock time it was counted), and a second feedback for one of them within the
 * retention — a replay, a relay restarted from an older position, a second producer — changes
 * nothing and is counted in {@link SelectionMetrics#feedbackDuplicates()}, as is feedback without a
 * frame id, which cannot be told apart from a replay. The store is a window store whose retention is
 * that setting, so ids older than it leave with their whole segment and the store stays bounded on
 * an endless stream, with no scan on the stream thread.
 */
final class LabelFeedbackProcessor implements Processor<String, LabelFeedback, String, TriggerYield> {
    private final TriggerBandit bandit;
    private ProcessorContext<String, TriggerYield> context;
    private KeyValueStore<String, byte[]> counts;
    private final long dedupRetentionMs;
    private WindowStore<String, Long> counted;

    private final SelectionMetrics metrics;

    LabelFeedbackProcessor(TriggerYieldConfig config, SelectionMetrics metrics) {
        this.bandit = config.bandit();
        this.dedupRetentionMs = config.feedbackDedupRetention().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, TriggerYield> context) {
        this.context = context;
        this.counts = context.getStateStore(SelectionTopology.YIELD_COUNTS_STORE);
        this.counted = context.getStateStore(SelectionTopology.FEEDBACK_SEEN_STORE);
    }

    @Override
    public void process(Record<String, LabelFeedback> record) {
        LabelFeedback feedback = record.value();
        if (feedback == null || feedback.getTriggersCount() == 0) {
            return;
        }
        String frameId = feedback.getFrameId();
        // Wall-clock time, not record time: feedback timestamps come from the queue's relay, and one
        // far-future timestamp must not be able to expire every remembered frame id.
        long nowMs = context.currentSystemTimeMs();
        if (frameId.isEmpty() || countedWithinRetention(frameId, nowMs)) {
            metrics.recordFeedbackDuplicate();
            return;
        }
        counted.put(frameId, feedback.getLabelId(), nowMs);
        for (String trigger : feedback.getTriggersList()) {
            byte[] stored = counts.get(trigger);
            TriggerBandit.Counts before = stored == null ? new TriggerBandit.Counts(0, 0) : decode(stored);
            counts.put(trigger, encode(before.plus(feedback.getModelErred())));
        }
        Map<String, TriggerBandit.Counts> all = new LinkedHashMap<>();
        try (KeyValueIterator<String, byte[]> entries = counts.all()) {
            while (entries.hasNext()) {
                KeyValue<String, byte[]> entry = entries.next();
                all.put(entry.key, decode(entry.value));
            }
        }
        Map<String, Double> shares = bandit.shares(all);
        all.forEach((trigger, c) -> context.forward(new Record<>(trigger, TriggerYield.newBuilder()
                .setTrigger(trigger)
                .setLabeled(c.labeled())
                .setModelErrors(c.errors())
                .setShare(shares.get(trigger))
                .build(), record.timestamp())));
    }

    private boolean countedWithinRetention(String frameId, long nowMs) {
        // The upper bound reaches past now so that an id stays remembered if the clock steps back.
        try (WindowStoreIterator<Long> seen = counted.fetch(frameId, nowMs - dedupRetentionMs, nowMs + dedupRetentionMs)) {
            return seen.hasNext();
        }
    }

    private static byte[] encode(TriggerBandit.Counts c) {
        return ByteBuffer.allocate(2 * Long.BYTES).putLong(c.labeled()).putLong(c.errors()).array();
    }

    private static TriggerBandit.Counts decode(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new TriggerBandit.Counts(buffer.getLong(), buffer.getLong());
    }
}
