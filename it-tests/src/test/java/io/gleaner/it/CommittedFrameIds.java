package io.gleaner.it;

import io.gleaner.schema.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The frame ids one test wrote to a topic, read the way an outside consumer reads them
 * (read_committed, from the beginning, up to the end offsets seen on entry), duplicates kept. Unlike
 * {@link TopicReader} it keeps only the ids, so a long fault run can read 100k frames with images.
 */
final class CommittedFrameIds {
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    private CommittedFrameIds() {}

    /**
     * Every id {@code frameId} gives a committed record of {@code topic} that starts with
     * {@code prefix}, duplicates kept. Records that do not parse as {@code topic}'s are skipped:
     * the broker is shared, and some test classes publish garbage on purpose ({@code QueueSinkReplayIT}
     * on {@code edge-cases}).
     */
    static <K, V> List<String> read(String bootstrapServers, Topic<K, V> topic,
                                    Function<ConsumerRecord<K, V>, String> frameId, String prefix) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        Deserializer<K> keys = topic.keySerde().deserializer();
        Deserializer<V> values = topic.valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<String> ids = new ArrayList<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic.name() + " to its end offsets " + end
                            + " within " + READ_TIMEOUT + "; read " + ids.size() + " ids of this test");
                }
                for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
                    if (raw.offset() < end.get(new TopicPartition(raw.topic(), raw.partition()))) {
                        ConsumerRecord<K, V> record;
                        try {
                            record = new ConsumerRecord<>(raw.topic(), raw.partition(), raw.offset(),
                                    keys.deserialize(raw.topic(), raw.key()), values.deserialize(raw.topic(), raw.value()));
                        } catch (RuntimeException notARecordOfTheTopic) {
                            continue;
                        }
                        String id = frameId.apply(record);
                        if (id != null && id.startsWith(prefix)) {
                            ids.add(id);
                        }
                    }
                }
            }
            return ids;
        }
    }
}
