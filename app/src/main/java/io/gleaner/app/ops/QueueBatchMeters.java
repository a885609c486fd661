package io.gleaner.app.ops;

import io.gleaner.queue.CoalescerStats;
import io.gleaner.queue.TaskQueue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Function;

/**
 * How {@code serve}'s queue batched claims and submits, on {@code /metrics}:
 * {@code gleaner_queue_batches_total{call}} counts the transactions that ran them and
 * {@code gleaner_queue_batched_calls_total{call}} the calls those carried, so the ratio of their
 * rates is the mean batch. A mean near 1 under load says the database answers faster than calls
 * arrive; a mean near the cap says it is the bottleneck.
 */
public final class QueueBatchMeters implements MeterBinder {
    private final TaskQueue queue;

    public QueueBatchMeters(TaskQueue queue) {
        this.queue = Objects.requireNonNull(queue, "queue");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        register(registry, "claim", TaskQueue::claimBatching);
        register(registry, "submit", TaskQueue::submitBatching);
    }

    private void register(MeterRegistry registry, String call, Function<TaskQueue, CoalescerStats> stats) {
        FunctionCounter.builder("gleaner.queue.batches", queue, q -> stats.apply(q).batches())
                .description("Transactions that ran batched calls, by call")
                .tag("call", call)
                .register(registry);
        FunctionCounter.builder("gleaner.queue.batched.calls", queue, q -> stats.apply(q).requests())
                .description("Calls that ran in batches, by call")
                .tag("call", call)
                .register(registry);
    }
}
