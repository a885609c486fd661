package io.gleaner.retrain;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * A full garbage collection for tests that must see what it frees: returns once the direct
 * buffers the collection found unreachable have been released.
 */
public final class GarbageCollection {
    private GarbageCollection() {}

    /**
     * Collects twice. The reference handler frees direct buffers and enqueues phantom references
     * one collection's batch at a time, so when the second collection's sentinel is enqueued the
     * first collection's buffers are free.
     *
     * @throws IllegalStateException when a collection does not enqueue its sentinel within 10 s
     *     (explicit collections switched off with {@code -XX:+DisableExplicitGC})
     */
    public static void collectAndFree() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            PhantomReference<Object> sentinel = new PhantomReference<>(new Object(), queue);
            System.gc();
            if (queue.remove(10_000) != sentinel) {
                throw new IllegalStateException("System.gc() did not collect within 10 s; is -XX:+DisableExplicitGC set?");
            }
        }
    }
}
