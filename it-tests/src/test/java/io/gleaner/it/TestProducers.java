package io.gleaner.it;

import io.gleaner.schema.Topic;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The producers the ITs publish their input with: {@code acks=all} and idempotent, so a send that
 * returns has put the record on the broker exactly once, and a count the test asserts afterwards
 * cannot be off by a retried send.
 */
final class TestProducers {
    private TestProducers() {
    }

    /** A producer for {@code topic}, with the topic's own serializers. */
    static <K, V> Producer<K, V> to(Topic<K, V> topic, String bootstrapServers) {
        return new KafkaProducer<>(properties(bootstrapServers), topic.keySerde().serializer(),
                topic.valueSerde().serializer());
    }

    /** The settings of {@link #to}, for a producer with serializers of its own. */
    static Properties properties(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }
}
