package io.gleaner.app;

import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.LabelFeedbackRelay;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LabelFeedbackRelay} pass every interval until told to stop: a failed pass is
 * logged and the next one starts afresh from the topic; a relay fenced by another one with the
 * same transactional id stops for good. Used by {@code gleaner feedback-relay} on the main thread
 * and by {@code gleaner serve --feedback-relay} on a thread of its own ({@link #startInBackground}).
 */
final class FeedbackRelayLoop {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackRelayLoop.class);

    /** Waits up to an interval; true when it is time to stop. */
    @FunctionalInterface
    interface Pause {
        boolean awaitStop(Duration interval) throws InterruptedException;
    }

    private FeedbackRelayLoop() {}

    /**
     * Relays until {@code pause} says stop; returns false if another relay fenced this one.
     */
    static boolean run(DataSource dataSource, KafkaClientSettings kafka, FeedbackRelayConfig config, Pause pause)
            throws InterruptedException {
        try (LabelFeedbackRelay relay = new LabelFeedbackRelay(dataSource, kafka.properties(), config)) {
            do {
                try {
                    int published = relay.relayOnce();
                    if (published > 0) {
                        LOG.info("published feedback of {} labeled tasks, up to label id {}", published,
                                relay.position());
                    }
                } catch (ProducerFencedException e) {
                    LOG.error("another feedback relay with transactional id {} took over; this one stops",
                            config.transactionalId());
                    return false;
                } catch (RuntimeException e) {
                    LOG.warn("feedback relay pass failed; starting afresh from the topic in {}: {}",
                            config.interval(), e.toString());
                }
            } while (!pause.awaitStop(config.interval()));
        }
        return true;
    }

    /** A relay on a thread of its own; {@link AutoCloseable#close()} stops it and waits for it. */
    static AutoCloseable startInBackground(DataSource dataSource, KafkaClientSettings kafka, FeedbackRelayConfig config) {
        CountDownLatch stop = new CountDownLatch(1);
        Thread thread = new Thread(() -> {
            try {
                run(dataSource, kafka, config,
                        interval -> stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "feedback-relay");
        thread.setDaemon(true);
        thread.start();
        return () -> {
            stop.countDown();
            thread.join(Duration.ofSeconds(70).toMillis());
        };
    }
}
