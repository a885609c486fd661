package io.gleaner.uncertainty;

import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.Trigger;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Holds every campaign to its budget over its life: counts, per campaign id, the edge cases that
 * went out naming its trigger (in the store {@value SelectionTopology#CAMPAIGN_HARVESTS_STORE}),
 * and takes a campaign's trigger off an edge case once the campaign has spent its budget (or is no
 * longer in the table). An edge case left with no trigger is dropped. Runs on one task (every edge
 * case a campaign fired on is re-keyed to one key upstream), so the count is fleet-wide and exact.
 */
final class CampaignBudgetProcessor implements Processor<String, EdgeCase, String, EdgeCase> {
    private final SelectionMetrics metrics;
    private ProcessorContext<String, EdgeCase> context;
    private KeyValueStore<String, Long> harvests;
    private ReadOnlyKeyValueStore<String, Campaign> campaigns;

    CampaignBudgetProcessor(SelectionMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, EdgeCase> context) {
        this.context = context;
        this.harvests = context.getStateStore(SelectionTopology.CAMPAIGN_HARVESTS_STORE);
        this.campaigns = context.getStateStore(SelectionTopology.CAMPAIGN_STORE);
    }

    @Override
    public void process(Record<String, EdgeCase> record) {
        EdgeCase edgeCase = record.value();
        EdgeCase.Builder kept = edgeCase.toBuilder().clearTriggers();
        for (Trigger trigger : edgeCase.getTriggersList()) {
            String id = CampaignSpec.campaignId(trigger.getName());
            if (id == null) {
                kept.addTriggers(trigger);
                continue;
            }
            Campaign campaign = campaigns.get(id);
            Long spent = harvests.get(id);
            long count = spent == null ? 0 : spent;
            if (campaign == null || count >= campaign.getBudget()) {
                metrics.recordCampaignOverBudget(id);
                continue;
            }
            harvests.put(id, count + 1);
            kept.addTriggers(trigger);
        }
        if (kept.getTriggersCount() > 0) {
            String frameId = edgeCase.getScored().getFrame().getFrameId();
            context.forward(record.withKey(frameId).withValue(kept.build()));
        }
    }
}
