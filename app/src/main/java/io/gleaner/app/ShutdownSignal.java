package io.gleaner.app;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGTERM / Ctrl-C into something a role's main thread can wait for, and holds the JVM
 * until the role has closed. Without the second half the JVM halts as soon as the shutdown hook
 * returns, in the middle of closing Kafka Streams: no checkpoint, an aborted transaction and a
 * full state restore on the next start.
 *
 * <p>Open it first in a try-with-resources so that it closes last, after what it guards.
 */
final class ShutdownSignal implements AutoCloseable {
    /** Longer than a stage's own close timeout, so a clean close always fits. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(60);

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    ShutdownSignal(String role) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopRequested.countDown();
            try {
                closed.await(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, role + "-shutdown"));
    }

    /** Blocks until the process is told to stop. */
    void awaitStop() throws InterruptedException {
        stopRequested.await();
    }

    /** Waits up to {@code timeout}; returns true when the process was told to stop. */
    boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopRequested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The role has closed everything: the shutdown hook may return and the JVM exit. */
    @Override
    public void close() {
        closed.countDown();
    }
}
