package io.gleaner.app.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker the demo runs on is a real one: topics, compaction, transactions. */
class EmbeddedKafkaIT {

    @Test
    void createsGleanersTopicsAndCarriesTransactionalRecords(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            List<String> created = TopicAdmin.createMissing(kafka.bootstrapServers(), 2, (short) 1);
            assertThat(created).containsExactlyInAnyOrderElementsOf(Topics.all().stream().map(Topic::name).toList());
            assertThat(TopicAdmin.createMissing(kafka.bootstrapServers(), 2, (short) 1))
                    .as("a second call creates nothing").isEmpty();
            assertThat(cleanupPolicy(kafka, Topics.MODEL_UPDATES.name())).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);

            // Exactly-once Streams needs the transaction coordinator working on a single node.
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-it");
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), 0, "k", "committed"));
                producer.commitTransaction();
            }
            assertThat(readAll(kafka, Topics.FRAMES_DLQ.name())).containsExactly("committed");
        }
    }

    private static String cleanupPolicy(EmbeddedKafka kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            return config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }
    }

    private static List<String> readAll(EmbeddedKafka kafka, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // commitTransaction returns once the coordinator has logged the commit; the marker on the
            // partition, and with it the last stable offset read_committed sees, can follow a moment
            // later. An end offset of 0 read in that moment made this test see nothing: wait for the
            // transaction to be stable on the partition (its record and its marker) before reading.
            long end = await().atMost(Duration.ofSeconds(30))
                    .until(() -> consumer.endOffsets(List.of(partition)).get(partition), offset -> offset > 0);
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
