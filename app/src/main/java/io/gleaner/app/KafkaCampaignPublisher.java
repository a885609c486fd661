package io.gleaner.app;

import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.queue.api.CampaignPublisher;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.uncertainty.CampaignSpec;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes the campaigns admins start from the queue's API to the compacted {@code campaigns}
 * topic, keyed by campaign id, after the same check the selection stage applies
 * ({@link CampaignSpec#of}). One producer for the server's life; close it after the server.
 */
final class KafkaCampaignPublisher implements CampaignPublisher, AutoCloseable {
    private static final Duration SEND_LIMIT = Duration.ofSeconds(15);

    private final String bootstrapServers;
    private final Producer<String, Campaign> producer;

    KafkaCampaignPublisher(String bootstrapServers) {
        this(KafkaClientSettings.plaintext(bootstrapServers));
    }

    KafkaCampaignPublisher(KafkaClientSettings kafka) {
        this.bootstrapServers = kafka.bootstrapServers();
        Properties props = kafka.properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_LIMIT.toMillis());
        this.producer = new KafkaProducer<>(props,
                Topics.CAMPAIGNS.keySerde().serializer(), Topics.CAMPAIGNS.valueSerde().serializer());
    }

    @Override
    public void publish(Campaign campaign) {
        CampaignSpec.of(campaign);
        try {
            producer.send(new ProducerRecord<>(Topics.CAMPAIGNS.name(), campaign.getId(), campaign))
                    .get(SEND_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing campaign " + campaign.getId(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker at " + bootstrapServers + " did not take it (" + e.getMessage()
                    + "); is it up and the topic created (gleaner create-topics)?", e);
        }
    }

    @Override
    public void close() {
        producer.close(SEND_LIMIT);
    }
}
