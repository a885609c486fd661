package io.gleaner.it;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads a Streams application's metrics the way an operator's JMX scraper would, for tests that
 * start a stage through {@code StreamsStage} and so hold no {@code KafkaStreams} of their own.
 * Kafka registers every client metric in the platform MBean server under {@code kafka.streams};
 * client and thread ids start with the {@code application.id}.
 */
final class StreamsJmx {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private StreamsJmx() {}

    /** Stream threads of {@code applicationId} that died since its clients started (each one replaced or lost). */
    static long failedStreamThreads(String applicationId) {
        return sum("kafka.streams:type=stream-metrics,*", "client-id", applicationId, "failed-stream-threads");
    }

    /**
     * The sum over threads and tasks of {@code attribute} in the metric group {@code group} (a
     * processor's own sensors, e.g. {@code stream-queue-sink-metrics}).
     */
    static long total(String applicationId, String group, String attribute) {
        return sum("kafka.streams:type=" + group + ",*", "thread-id", applicationId, attribute);
    }

    private static long sum(String pattern, String idTag, String applicationId, String attribute) {
        try {
            Set<ObjectName> names = SERVER.queryNames(new ObjectName(pattern), null);
            double sum = 0;
            int found = 0;
            for (ObjectName name : names) {
                String id = name.getKeyProperty(idTag);
                // Kafka splits a group over several beans (some with a process-id tag too): read those that hold it.
                boolean holds = Arrays.stream(SERVER.getMBeanInfo(name).getAttributes())
                        .anyMatch(a -> a.getName().equals(attribute));
                if (id != null && id.startsWith(applicationId + "-") && holds) {
                    sum += ((Number) SERVER.getAttribute(name, attribute)).doubleValue();
                    found++;
                }
            }
            if (found == 0) {
                throw new IllegalStateException("no MBean " + pattern + " with " + idTag + " of " + applicationId
                        + " among " + names + ": is the application running, and its JMX reporter on?");
            }
            return Math.round(sum);
        } catch (JMException e) {
            throw new IllegalStateException("could not read " + attribute + " of " + applicationId + ": " + e, e);
        }
    }
}
