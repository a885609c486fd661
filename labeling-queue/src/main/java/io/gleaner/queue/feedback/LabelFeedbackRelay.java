package io.gleaner.queue.feedback;

import io.gleaner.queue.FinalLabel;
import io.gleaner.queue.FinalLabelFeed;
import io.gleaner.queue.FiredTrigger;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.LabelFeedback;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Tells selection what labels said: publishes one {@code LabelFeedback} to {@code label-feedback}
 * for every task that became labeled in PostgreSQL, keyed by frame id, naming the triggers that
 * harvested the frame and whether its final label showed the model wrong ({@link ModelErrorRule}).
 *
 * <p>One message per labeled task, from the label that completed it, not one per label: the
 * bandit counts harvests (did this frame, once labeled, show an error?), and under consensus the
 * earlier labels of a task are not final (they may disagree, and the task may be set aside), so
 * counting each would weigh frames by how hard they were to agree on. Retraining reads the same
 * final labels.
 *
 * <p>Nothing is lost or duplicated across crashes: the relay reads final labels after the last
 * label id it published ({@link FinalLabelFeed}, under the label-order lock, so no label commits
 * behind it) and publishes each page in one Kafka transaction of a producer with a fixed
 * transactional id. On start (and after any failure) it opens a new producer, whose
 * {@code initTransactions} aborts whatever a crashed predecessor left open, and recovers its
 * position from the highest {@code label_id} committed on the topic ({@link PublishedPosition}):
 * a page is either on the topic whole, and is not read again, or not at all, and is read again.
 * No position table is needed. A second relay with the same transactional id fences the first,
 * whose next publish throws {@link ProducerFencedException}: then stop it, one relay is enough.
 * Consumers read {@code read_committed}; selection also ignores a frame id it has already counted.
 *
 * <p>Not thread-safe: one thread calls {@link #relayOnce()} over and over; close it at the end.
 */
public final class LabelFeedbackRelay implements AutoCloseable {
    /** How long opening the producer and recovering the position may take. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

    private final FinalLabelFeed feed;
    private final Properties kafkaClient;
    private final FeedbackRelayConfig config;
    private Producer<String, LabelFeedback> producer;
    private long position = -1;

    /**
     * A relay from the queue in {@code dataSource} to the broker at {@code bootstrapServers};
     * connects on the first {@link #relayOnce()}.
     */
    public LabelFeedbackRelay(DataSource dataSource, String bootstrapServers, FeedbackRelayConfig config) {
        this(dataSource, bootstrapOnly(bootstrapServers), config);
    }

    /**
     * A relay whose producer and consumer start from {@code kafkaClient}: {@code bootstrap.servers}
     * and any production client settings (TLS, SASL); the relay adds its own settings to a copy.
     */
    public LabelFeedbackRelay(DataSource dataSource, Properties kafkaClient, FeedbackRelayConfig config) {
        this.feed = new FinalLabelFeed(Objects.requireNonNull(dataSource, "dataSource"));
        this.kafkaClient = new Properties();
        this.kafkaClient.putAll(Objects.requireNonNull(kafkaClient, "kafkaClient"));
        this.config = Objects.requireNonNull(config, "config");
    }

    private static Properties bootstrapOnly(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        return props;
    }

    /**
     * Publishes the feedback of every final label after the last one published, a page per
     * transaction, until it has caught up; returns how many messages went out. The first call,
     * and the first after a failure, opens the producer and recovers the position from the topic.
     *
     * @throws ProducerFencedException if another relay with the same transactional id took over
     * @throws KafkaException if the broker failed the publish; the page is not on the topic, and
     *     the next call starts afresh from what is
     * @throws io.gleaner.queue.QueueDatabaseException if the labels could not be read
     */
    public int relayOnce() {
        if (producer == null) {
            open();
        }
        int published = 0;
        while (true) {
            List<FinalLabel> page = feed.after(position, config.pageSize());
            if (page.isEmpty()) {
                return published;
            }
            publish(page);
            position = page.get(page.size() - 1).labelId();
            published += page.size();
            if (page.size() < config.pageSize()) {
                return published;
            }
        }
    }

    /** The label id of the last feedback published, 0 for none; -1 until the first {@link #relayOnce()}. */
    public long position() {
        return position;
    }

    /** The message for {@code label}: its frame, the distinct names of its triggers, and whether the model erred. */
    public static LabelFeedback feedback(FinalLabel label, ModelErrorRule errorRule) {
        Set<String> triggers = new LinkedHashSet<>();
        for (FiredTrigger trigger : label.triggers()) {
            triggers.add(trigger.name());
        }
        return LabelFeedback.newBuilder()
                .setFrameId(label.frameId())
                .addAllTriggers(triggers)
                .setModelErred(errorRule.erred(label))
                .setModelVersion(label.modelVersion())
                .setLabeledTimeMs(label.labeledAt().toEpochMilli())
                .setLabelId(label.labelId())
                .build();
    }

    private void publish(List<FinalLabel> page) {
        try {
            producer.beginTransaction();
            for (FinalLabel label : page) {
                producer.send(new ProducerRecord<>(Topics.LABEL_FEEDBACK.name(), null,
                        label.labeledAt().toEpochMilli(), label.frameId(), feedback(label, config.errorRule())));
            }
            producer.commitTransaction();
        } catch (KafkaException e) {
            // Whatever state the transaction is in, a new producer's initTransactions settles it.
            discardProducer();
            ProducerFencedException fenced = fencedCause(e);
            throw fenced != null ? fenced : e;
        }
    }

    /** The fencing behind {@code e}, which a failed send may wrap; {@code null} when it was something else. */
    private static ProducerFencedException fencedCause(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ProducerFencedException fenced) {
                return fenced;
            }
        }
        return null;
    }

    private void open() {
        Properties props = new Properties();
        props.putAll(kafkaClient);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) OPEN_TIMEOUT.toMillis());
        Producer<String, LabelFeedback> opened = new KafkaProducer<>(props,
                Topics.LABEL_FEEDBACK.keySerde().serializer(), Topics.LABEL_FEEDBACK.valueSerde().serializer());
        try {
            // Fences an older relay and aborts its open transaction, so the topic's end is settled.
            opened.initTransactions();
            position = recoverPosition();
        } catch (RuntimeException e) {
            opened.close(Duration.ZERO);
            throw e;
        }
        producer = opened;
    }

    private long recoverPosition() {
        Properties props = new Properties();
        props.putAll(kafkaClient);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, LabelFeedback> consumer = new KafkaConsumer<>(props,
                Topics.LABEL_FEEDBACK.keySerde().deserializer(), Topics.LABEL_FEEDBACK.valueSerde().deserializer())) {
            return PublishedPosition.lastLabelId(consumer, Topics.LABEL_FEEDBACK.name(), OPEN_TIMEOUT);
        }
    }

    private void discardProducer() {
        Producer<String, LabelFeedback> discarded = producer;
        producer = null;
        position = -1;
        discarded.close(Duration.ZERO);
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(OPEN_TIMEOUT);
            producer = null;
        }
    }
}
