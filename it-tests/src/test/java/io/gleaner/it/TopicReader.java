package io.gleaner.it;

import io.gleaner.schema.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads what a topic holds, the way an outside consumer would: read_committed, from the beginning. */
final class TopicReader {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private TopicReader() {}

    /** Every committed record now on {@code topic}, partition by partition, up to the end offsets seen on entry. */
    static <K, V> List<ConsumerRecord<K, V>> readAll(String bootstrapServers, Topic<K, V> topic) {
        return readAll(bootstrapServers, topic.name(), topic.keySerde().deserializer(),
                topic.valueSerde().deserializer());
    }

    /**
     * The values of {@link #readAll} that parse as {@code topic}'s values. The broker is shared by
     * every test class, and some publish bytes that are no record of the topic on purpose
     * ({@code QueueSinkReplayIT} puts garbage on {@code edge-cases} to see it dead-lettered): a test
     * that reads everything its own run produced skips them.
     */
    static <V> List<V> parsableValues(String bootstrapServers, Topic<?, V> topic) {
        Deserializer<V> deserializer = topic.valueSerde().deserializer();
        List<V> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readAll(bootstrapServers, topic.name(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            try {
                values.add(deserializer.deserialize(topic.name(), record.value()));
            } catch (RuntimeException notARecordOfTheTopic) {
                // another test's garbage: not a value of this run
            }
        }
        return values;
    }

    private static <K, V> List<ConsumerRecord<K, V>> readAll(String bootstrapServers, String topicName,
            Deserializer<K> keys, Deserializer<V> values) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, keys, values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topicName).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topicName + " to its end offsets " + end
                            + " within " + READ_TIMEOUT + "; read " + records.size() + " records");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }
}
