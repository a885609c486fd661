package io.gleaner.uncertainty;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.schema.v1.EdgeCase;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies the {@link HarvestBudget}: holds each window's harvested frames in a {@link BudgetWindow}
 * in the budget store (key: the window's start, zero-padded so that keys sort by time), and when
 * stream time passes a window's end plus grace, writes out what the window kept, best first.
 * Runs on a single task (every harvested frame is re-keyed to one key upstream), since the fleet
 * budget spans every vehicle.
 */
final class BudgetProcessor implements Processor<String, EdgeCase, String, EdgeCase> {
    private final HarvestBudget budget;
    private final SelectionMetrics metrics;
    private final long windowMs;
    private final long graceMs;
    private ProcessorContext<String, EdgeCase> context;
    private KeyValueStore<String, byte[]> store;
    private long streamTime = Long.MIN_VALUE;

    BudgetProcessor(HarvestBudget budget, SelectionMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
        this.windowMs = budget.window().toMillis();
        this.graceMs = budget.grace().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, EdgeCase> context) {
        this.context = context;
        this.store = context.getStateStore(SelectionTopology.BUDGET_STORE);
    }

    @Override
    public void process(Record<String, EdgeCase> record) {
        long timestamp = record.timestamp();
        streamTime = Math.max(streamTime, timestamp);
        long windowStart = timestamp - Math.floorMod(timestamp, windowMs);
        if (closes(windowStart)) {
            metrics.recordLate();
            return;
        }
        EdgeCase edgeCase = record.value();
        String key = windowKey(windowStart);
        byte[] stored = store.get(key);
        BudgetWindow window = stored == null ? new BudgetWindow() : BudgetWindow.fromBytes(stored);
        String vehicle = edgeCase.getScored().getFrame().getVehicleId();
        int dropped = window.offer(new BudgetWindow.Candidate(vehicle, edgeCase.getPriority(),
                        edgeCase.getScored().getFrame().getFrameId(), timestamp, edgeCase.toByteArray()),
                budget.perVehicle(), budget.fleet());
        for (int i = 0; i < dropped; i++) {
            metrics.recordOverBudget();
        }
        store.put(key, window.toBytes());
        closeDueWindows();
    }

    /** Whether the window starting at {@code windowStart} is due to close at the current stream time. */
    private boolean closes(long windowStart) {
        return windowStart + windowMs + graceMs <= streamTime;
    }

    private void closeDueWindows() {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> windows = store.all()) {
            while (windows.hasNext()) {
                KeyValue<String, byte[]> window = windows.next();
                if (!closes(Long.parseLong(window.key))) {
                    break;
                }
                due.add(window);
            }
        }
        for (KeyValue<String, byte[]> window : due) {
            for (BudgetWindow.Candidate kept : BudgetWindow.fromBytes(window.value).ranked()) {
                context.forward(new Record<>(kept.frameId(), parse(kept), kept.timestampMs()));
            }
            store.delete(window.key);
        }
    }

    private static EdgeCase parse(BudgetWindow.Candidate kept) {
        try {
            return EdgeCase.parseFrom(kept.edgeCase());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("budget store holds an unreadable edge case for frame " + kept.frameId()
                    + "; delete the task's state directory to start the budget afresh", e);
        }
    }

    /** Zero-padded so that the store's byte order is time order (record timestamps are never negative). */
    static String windowKey(long windowStart) {
        return String.format("%019d", windowStart);
    }
}
