package io.gleaner.app.infra;

import io.gleaner.app.ops.KafkaClientSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a consumer group stands on a topic, summed over its partitions. A Streams stage's group id
 * is its application id, so this says how far a stage has read and committed. End offsets count
 * committed transactions only (read_committed), so a lag of zero means the stage has committed
 * everything it can see.
 */
public final class GroupOffsets implements AutoCloseable {
    private final Admin admin;

    public GroupOffsets(String bootstrapServers) {
        this(KafkaClientSettings.plaintext(bootstrapServers));
    }

    /** Reads offsets through an admin client built from {@code kafka} (TLS, SASL). */
    public GroupOffsets(KafkaClientSettings kafka) {
        this.admin = Admin.create(kafka.asMap());
    }

    /** Records on {@code topic} the group has not committed past yet. */
    public long lag(String groupId, String topic) throws InterruptedException {
        Map<TopicPartition, Long> ends = ends(topic);
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(groupId, topic);
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata position = committed.get(end.getKey());
            lag += Math.max(0, end.getValue() - (position == null ? 0 : position.offset()));
        }
        return lag;
    }

    /** The group's committed offsets on {@code topic}, summed (0 for a partition it never committed). */
    public long committed(String groupId, String topic) throws InterruptedException {
        return committedOffsets(groupId, topic).values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }

    /**
     * Sets a group that has not started yet to the end of {@code topic}, so it reads only what comes
     * next; returns the summed end offsets it now starts from.
     */
    public long startAtEnd(String groupId, String topic) throws InterruptedException {
        Map<TopicPartition, Long> ends = ends(topic);
        call("set the offsets of group " + groupId + " on " + topic, () -> admin.alterConsumerGroupOffsets(groupId,
                ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> new OffsetAndMetadata(e.getValue())))).all().get());
        return ends.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The summed end offsets of {@code topic}'s partitions (of committed records). */
    public long end(String topic) throws InterruptedException {
        return ends(topic).values().stream().mapToLong(Long::longValue).sum();
    }

    private Map<TopicPartition, Long> ends(String topic) throws InterruptedException {
        return call("list the end offsets of " + topic, () -> {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())),
                            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        });
    }

    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(String groupId, String topic)
            throws InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> all = call("read the committed offsets of " + groupId,
                () -> admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get());
        return all.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private interface AdminCall<T> {
        T run() throws InterruptedException, ExecutionException;
    }

    private static <T> T call(String what, AdminCall<T> call) throws InterruptedException {
        try {
            return call.run();
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
