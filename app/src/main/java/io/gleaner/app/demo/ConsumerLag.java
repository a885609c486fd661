package io.gleaner.app.demo;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group (a stage: its group id is its application id) is behind on a topic,
 * counting only committed transactions: the stable offset of each partition minus the group's
 * committed offset. Zero means the stage has read and committed everything there is.
 */
final class ConsumerLag implements AutoCloseable {
    private final Admin admin;

    ConsumerLag(String bootstrapServers) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    long of(String groupId, String topic) throws InterruptedException {
        try {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest,
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            long lag = 0;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata position = committed.get(partition);
                lag += Math.max(0, ends.get(partition).offset() - (position == null ? 0 : position.offset()));
            }
            return lag;
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not read the lag of " + groupId + " on " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
