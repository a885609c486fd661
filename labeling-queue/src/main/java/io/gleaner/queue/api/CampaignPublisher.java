package io.gleaner.queue.api;

import io.gleaner.schema.v1.Campaign;

/**
 * Where {@code POST /api/v1/campaigns} sends the campaigns it builds: {@code gleaner serve} gives
 * one that writes to the {@code campaigns} topic when it has {@code --bootstrap-servers}.
 */
@FunctionalInterface
public interface CampaignPublisher {
    /**
     * Publishes {@code campaign}, returning once it is stored.
     *
     * @throws IllegalArgumentException if the campaign is invalid (the API answers 422)
     * @throws IllegalStateException if it could not be stored (the API answers 503)
     */
    void publish(Campaign campaign);
}
