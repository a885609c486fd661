package io.gleaner.app.infra;

import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** Creates Gleaner's topics (those that are missing) before any role starts. */
public final class TopicAdmin {
    private TopicAdmin() {}

    /** Creates every topic in {@link Topics#all()} that does not exist yet; returns the names created. */
    public static List<String> createMissing(String bootstrapServers, int partitions, short replication)
            throws InterruptedException {
        return createMissing(KafkaClientSettings.plaintext(bootstrapServers), partitions, replication);
    }

    /** As {@link #createMissing(String, int, short)}, through a client built from {@code kafka} (TLS, SASL). */
    public static List<String> createMissing(KafkaClientSettings kafka, int partitions, short replication)
            throws InterruptedException {
        String bootstrapServers = kafka.bootstrapServers();
        try (Admin admin = Admin.create(kafka.properties())) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?, ?> topic : Topics.all()) {
                if (existing.contains(topic.name())) {
                    continue;
                }
                boolean compacted = Topics.isCompacted(topic);
                NewTopic newTopic = new NewTopic(topic.name(), compacted ? 1 : partitions, replication);
                if (compacted) {
                    newTopic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                missing.add(newTopic);
            }
            admin.createTopics(missing).all().get();
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topics on " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
