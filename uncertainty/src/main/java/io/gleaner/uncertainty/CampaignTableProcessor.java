package io.gleaner.uncertainty;

import io.gleaner.schema.v1.Campaign;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global campaign table: the latest valid {@code Campaign} of each id on the
 * {@code campaigns} topic. A tombstone removes the campaign; so does a record that is not a valid
 * campaign (logged with the reason), because the latest record of an id is the campaign and a
 * broken one must not leave an older version live.
 */
final class CampaignTableProcessor implements Processor<String, Campaign, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(CampaignTableProcessor.class);

    private KeyValueStore<String, Campaign> campaigns;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.campaigns = context.getStateStore(SelectionTopology.CAMPAIGN_STORE);
    }

    @Override
    public void process(Record<String, Campaign> record) {
        if (record.key() == null) {
            LOG.warn("ignoring a campaigns record without a key; campaigns are keyed by id");
            return;
        }
        if (record.value() == null) {
            campaigns.delete(record.key());
            return;
        }
        try {
            CampaignSpec spec = CampaignSpec.of(record.value());
            if (!spec.id().equals(record.key())) {
                throw new IllegalArgumentException("its key is '" + record.key() + "' but its id is '" + spec.id()
                        + "'; key campaigns by their id");
            }
            campaigns.put(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            LOG.warn("campaign {} is not valid and does not fire: {}", record.key(), e.getMessage());
            campaigns.delete(record.key());
        }
    }
}
