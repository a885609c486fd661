package io.gleaner.app.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets of one topic, summed over its partitions: where it ends, and how far a consumer group
 * (a Streams stage: its group id is its application id) has committed. The input topic of the
 * benchmark is written without transactions, so one record is one offset and "committed N more"
 * means "processed and committed N more records".
 */
final class CommittedOffsets implements AutoCloseable {
    private final Admin admin;
    private final String topic;
    private final List<TopicPartition> partitions;

    CommittedOffsets(String bootstrapServers, String topic) throws InterruptedException {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        this.topic = topic;
        try {
            this.partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        } catch (ExecutionException e) {
            admin.close();
            throw new IllegalStateException("cannot describe " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    int partitionCount() {
        return partitions.size();
    }

    /** The end offsets of every partition. */
    Map<TopicPartition, Long> ends() throws InterruptedException {
        try {
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(
                    partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get();
            return ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the end offsets of " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    /** Sets a group that has not started yet to the end of the topic, so it reads only what comes next. */
    long startGroupAtEnd(String groupId) throws InterruptedException {
        Map<TopicPartition, Long> ends = ends();
        try {
            admin.alterConsumerGroupOffsets(groupId, ends.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot set the offsets of group " + groupId + " on " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        return ends.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The group's committed offsets, summed over the partitions (0 for a partition it never committed). */
    long committed(String groupId) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            long sum = 0;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = committed.get(partition);
                sum += offset == null ? 0 : offset.offset();
            }
            return sum;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the committed offsets of " + groupId + " on " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
