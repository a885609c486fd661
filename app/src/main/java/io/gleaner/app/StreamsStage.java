package io.gleaner.app;

import io.gleaner.app.infra.BoundedRocksDbMemory;
import io.gleaner.app.ops.KafkaClientSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage's topology as its own Kafka Streams application. This is the only place a
 * stage's {@code Properties} are made: the stages themselves only add to a {@link StreamsBuilder}.
 */
public final class StreamsStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsStage.class);

    private final String applicationId;
    private final KafkaStreams streams;

    private StreamsStage(String applicationId, KafkaStreams streams) {
        this.applicationId = applicationId;
        this.streams = streams;
    }

    /**
     * The Streams configuration every stage shares: exactly-once v2 unless {@code exactlyOnce}
     * is false, one state folder per application, and the process's RocksDB stores held to one
     * memory budget ({@link BoundedRocksDbMemory}).
     */
    public static Properties properties(String applicationId, String bootstrapServers, Path stateRoot,
                                        boolean exactlyOnce) {
        return properties(applicationId, KafkaClientSettings.plaintext(bootstrapServers), stateRoot, exactlyOnce);
    }

    /**
     * As {@link #properties(String, String, Path, boolean)}, with {@code kafka}'s client settings
     * (TLS, SASL) under the stage's own: they reach the Streams app's consumers, producers and admin.
     */
    public static Properties properties(String applicationId, KafkaClientSettings kafka, Path stateRoot,
                                        boolean exactlyOnce) {
        Properties props = kafka.properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                exactlyOnce ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(applicationId).toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // The scorer follows model-updates through a global table: let the processing exception
        // handler cover it as it covers every other processor (the default from Kafka Streams 5.0).
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        // One off-heap budget for every state store of the process, unless the settings name a setter of their own.
        props.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        return props;
    }

    /** Builds the topology with {@code topology}, starts it and waits until it is RUNNING. */
    public static StreamsStage start(String applicationId, Properties props, Consumer<StreamsBuilder> topology,
                                     Duration startTimeout) throws InterruptedException {
        return start(applicationId, props, topology, startTimeout, streams -> { });
    }

    /**
     * As {@link #start(String, Properties, Consumer, Duration)}, handing the Kafka Streams instance
     * to {@code beforeStart} before it starts: the role's ops endpoint binds its metrics and reads
     * its state for {@code /health} from then on, so a stage that is still starting shows as such.
     */
    public static StreamsStage start(String applicationId, Properties props, Consumer<StreamsBuilder> topology,
                                     Duration startTimeout, Consumer<KafkaStreams> beforeStart)
            throws InterruptedException {
        StreamsBuilder builder = new StreamsBuilder();
        topology.accept(builder);
        Topology built = builder.build(props);
        KafkaStreams streams = new KafkaStreams(built, props);
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            LOG.debug("{}: {} -> {}", applicationId, before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        // A failing record (a database that is down, say) kills the stream thread before its
        // offset commits; replacing the thread retries it, so nothing is skipped.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("{}: stream thread failed, replacing it: {}", applicationId, e.toString(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        beforeStart.accept(streams);
        streams.start();
        if (!running.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            streams.close(Duration.ofSeconds(10));
            throw new IllegalStateException(applicationId + " did not reach RUNNING within " + startTimeout
                    + " (state " + streams.state() + "); is the broker at "
                    + props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG) + " reachable?");
        }
        LOG.info("{} running", applicationId);
        return new StreamsStage(applicationId, streams);
    }

    public String applicationId() {
        return applicationId;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Stops the stage and leaves its consumer group, so a restart does not wait for a session timeout. */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
