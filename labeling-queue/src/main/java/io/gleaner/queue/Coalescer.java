package io.gleaner.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Runs concurrent calls in batches, with no timer: a caller that finds a batch slot free runs at
 * once, alone when nobody else is waiting; callers that arrive while every slot is busy wait, and
 * the next caller to take a slot runs all of them together (up to a capacity). So a lone caller
 * pays nothing, and under load each batch carries what queued behind the last one.
 *
 * <p>The waiting caller's own thread carries the request and, when its turn comes, may run the
 * batch for the others: there is no executor and no thread of its own to stop.
 *
 * @param <Q> a request
 * @param <A> its answer
 */
final class Coalescer<Q, A> {
    /** How long a waiting caller sleeps before it looks again, in case a wake-up was missed. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** One caller's request, the thread waiting for it, and what the batch answered. */
    private static final class Waiting<Q, A> {
        final Q request;
        final Thread caller = Thread.currentThread();
        A answer;
        RuntimeException failure;
        volatile boolean done;

        Waiting(Q request) {
            this.request = request;
        }
    }

    private final int slotCount;
    private final Semaphore slots;
    private final int capacity;
    private final ToIntFunction<Q> weight;
    private final Function<List<Q>, List<A>> work;
    private final ConcurrentLinkedQueue<Waiting<Q, A>> waiting = new ConcurrentLinkedQueue<>();
    private final Object taking = new Object();
    private final LongAdder batches = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAccumulator largest = new LongAccumulator(Math::max, 0);

    /**
     * @param slots how many batches may run at once (each holds one database connection); 0 runs
     *     every call at once, alone, in its caller's thread, and counts no batches
     * @param capacity the most weight one batch carries; a request heavier than this runs alone
     * @param weight what one request counts against {@code capacity}
     * @param work runs a batch and returns one answer per request, in the requests' order; what it
     *     throws is thrown to every caller in the batch
     */
    Coalescer(int slots, int capacity, ToIntFunction<Q> weight, Function<List<Q>, List<A>> work) {
        if (slots < 0 || capacity < 1) {
            throw new IllegalArgumentException("a coalescer needs 0 or more slots and capacity 1, got slots "
                    + slots + " and capacity " + capacity);
        }
        this.slotCount = slots;
        this.slots = new Semaphore(slots);
        this.capacity = capacity;
        this.weight = Objects.requireNonNull(weight, "weight");
        this.work = Objects.requireNonNull(work, "work");
    }

    /** Runs {@code request} in the next batch and returns its answer; blocks until it has one. */
    A call(Q request) {
        if (slotCount == 0) {
            return answerTo(List.of(request)).get(0);
        }
        Waiting<Q, A> mine = new Waiting<>(request);
        waiting.add(mine);
        boolean interrupted = false;
        while (!mine.done) {
            if (slots.tryAcquire()) {
                try {
                    List<Waiting<Q, A>> batch = take();
                    if (!batch.isEmpty()) {
                        run(batch);
                    }
                } finally {
                    slots.release();
                    wakeNext();
                }
            } else {
                LockSupport.parkNanos(this, RECHECK_NANOS);
                // A request already taken into a batch cannot be withdrawn: wait for its answer,
                // then hand the interrupt back.
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.answer;
    }

    /** Batches run so far, the requests they carried, and the most one carried. */
    CoalescerStats stats() {
        return new CoalescerStats(batches.sum(), requests.sum(), largest.get());
    }

    /** The longest run of waiting requests, oldest first, whose weight fits the capacity (at least one). */
    private List<Waiting<Q, A>> take() {
        List<Waiting<Q, A>> batch = new ArrayList<>();
        synchronized (taking) {
            int used = 0;
            for (Waiting<Q, A> next; (next = waiting.peek()) != null; ) {
                int w = weight.applyAsInt(next.request);
                if (!batch.isEmpty() && used + w > capacity) {
                    break;
                }
                batch.add(waiting.poll());
                used += w;
            }
        }
        if (slots.availablePermits() > 0) {
            // Another slot is free for what is still waiting. (With every slot taken, a wake-up
            // here would only cost the head a futile trip: whoever releases a slot wakes it.)
            wakeNext();
        }
        return batch;
    }

    private void run(List<Waiting<Q, A>> batch) {
        batches.increment();
        requests.add(batch.size());
        largest.accumulate(batch.size());
        try {
            List<A> answers = answerTo(batch.stream().map(w -> w.request).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).answer = answers.get(i);
            }
        } catch (RuntimeException e) {
            batch.forEach(w -> w.failure = e);
        } finally {
            for (Waiting<Q, A> w : batch) {
                w.done = true;
                LockSupport.unpark(w.caller);
            }
        }
    }

    private List<A> answerTo(List<Q> requests) {
        List<A> answers = work.apply(requests);
        if (answers.size() != requests.size()) {
            throw new IllegalStateException("a batch of " + requests.size() + " requests got "
                    + answers.size() + " answers");
        }
        return answers;
    }

    private void wakeNext() {
        Waiting<Q, A> head = waiting.peek();
        if (head != null) {
            LockSupport.unpark(head.caller);
        }
    }
}
