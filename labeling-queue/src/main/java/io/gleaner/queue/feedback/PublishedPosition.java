package io.gleaner.queue.feedback;

import io.gleaner.schema.v1.LabelFeedback;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Finds how far the relay got from what the topic holds: the highest {@code label_id} among the
 * committed records at the end of each partition of {@code label-feedback}. The relay publishes
 * in ascending label id, one transaction per page, so the highest committed id anywhere is the
 * last label it published; aborted records and transaction markers are skipped by reading
 * {@code read_committed}.
 *
 * <p>Reads backwards in growing windows from each partition's end until it meets a committed
 * record (a window of only markers and aborted records says nothing), so a start costs a few
 * records per partition, not the topic.
 */
final class PublishedPosition {
    private static final int FIRST_WINDOW = 16;
    private static final Duration POLL = Duration.ofMillis(200);

    private PublishedPosition() {}

    /**
     * The highest label id on {@code topic}, or 0 when it holds none.
     *
     * @param consumer a {@code read_committed} consumer without a group, used here only
     * @param timeout how long the whole read may take
     * @throws IllegalStateException if the topic does not exist or cannot be read in time
     */
    static long lastLabelId(Consumer<String, LabelFeedback> consumer, String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist: create it first (gleaner create-topics)");
        }
        long highest = 0;
        for (PartitionInfo info : infos) {
            highest = Math.max(highest, lastLabelId(consumer, new TopicPartition(topic, info.partition()), deadline));
        }
        return highest;
    }

    private static long lastLabelId(Consumer<String, LabelFeedback> consumer, TopicPartition partition, long deadline) {
        consumer.assign(List.of(partition));
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(List.of(partition));
        Map<TopicPartition, Long> ends = consumer.endOffsets(List.of(partition));
        long begin = beginnings.get(partition);
        long end = ends.get(partition);
        long window = FIRST_WINDOW;
        long from = end;
        while (from > begin) {
            long to = from;
            from = Math.max(begin, end - window);
            consumer.seek(partition, from);
            long highest = 0;
            boolean seenRecord = false;
            while (consumer.position(partition) < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + partition + " from offset " + from + " to "
                            + to + " in time to find the last published label; is the broker up?");
                }
                for (ConsumerRecord<String, LabelFeedback> record : consumer.poll(POLL)) {
                    if (record.offset() < to) {
                        seenRecord = true;
                        highest = Math.max(highest, record.value() == null ? 0 : record.value().getLabelId());
                    }
                }
            }
            if (seenRecord) {
                return highest;
            }
            window *= 4;
        }
        return 0;
    }
}
