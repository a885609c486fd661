package io.gleaner.app.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A role's Kafka Streams app on {@code /metrics} and {@code /health}: Micrometer's
 * {@link KafkaStreamsMetrics} (every client metric, {@code kafka_consumer_fetch_manager_records_lag*}
 * among them), {@code gleaner_consumer_lag_records} (records behind, summed over the partitions
 * this instance consumes), {@code gleaner_streams_running} (1 while RUNNING, or REBALANCING after
 * having run), and the state as a health check.
 *
 * <p>Kafka Streams enters REBALANCING as soon as it starts, broker or not, so REBALANCING alone
 * says nothing; it counts as running only within {@link #REBALANCE_GRACE} of RUNNING last being
 * seen (by a scrape or a health check), which covers the rebalances of a scaled or restarted group.
 */
final class StreamsMeters implements MeterBinder, HealthCheck, AutoCloseable {
    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    private static final String LAG = "records-lag";
    static final Duration REBALANCE_GRACE = Duration.ofMinutes(5);

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics clientMetrics;
    private final AtomicLong lastSeenRunningNanos = new AtomicLong();
    private volatile boolean seenRunning;

    StreamsMeters(KafkaStreams streams) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.clientMetrics = new KafkaStreamsMetrics(streams);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        clientMetrics.bindTo(registry);
        Gauge.builder("gleaner.consumer.lag", this, StreamsMeters::lagRecords)
                .description("Records this instance's stream threads are behind on their input partitions, summed")
                .baseUnit("records")
                .register(registry);
        Gauge.builder("gleaner.streams.running", this, meters -> meters.running() ? 1 : 0)
                .description("1 while the Kafka Streams app runs (RUNNING, or REBALANCING after running), 0 otherwise")
                .register(registry);
    }

    /**
     * Sum of the per-partition {@code records-lag} of the main consumers; restore and global
     * consumers are left out (their lag is not input waiting to be processed).
     */
    double lagRecords() {
        double lag = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : streams.metrics().entrySet()) {
            MetricName name = entry.getKey();
            String clientId = name.tags().getOrDefault("client-id", "");
            if (name.group().equals(FETCH_GROUP) && name.name().equals(LAG) && name.tags().containsKey("partition")
                    && !clientId.endsWith("-restore-consumer") && !clientId.endsWith("-global-consumer")
                    && entry.getValue().metricValue() instanceof Number value && Double.isFinite(value.doubleValue())) {
                lag += value.doubleValue();
            }
        }
        return lag;
    }

    private boolean running() {
        KafkaStreams.State state = streams.state();
        long now = System.nanoTime();
        if (state == KafkaStreams.State.RUNNING) {
            lastSeenRunningNanos.set(now);
            seenRunning = true;
            return true;
        }
        return state == KafkaStreams.State.REBALANCING && seenRunning
                && now - lastSeenRunningNanos.get() <= REBALANCE_GRACE.toNanos();
    }

    @Override
    public Result check() {
        boolean running = running();
        Map<String, Object> details = Map.of("state", streams.state().name());
        return running ? Result.up(details) : Result.down(details);
    }

    @Override
    public void close() {
        clientMetrics.close();
    }
}
