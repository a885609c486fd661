package io.gleaner.uncertainty;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one selection instance, shared by all its stream tasks and threads; the app reads
 * them for its metrics endpoint. Counts since the instance started, not since the window began.
 */
public final class SelectionMetrics {
    private final LongAdder framesSeen = new LongAdder();
    private final LongAdder harvested = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder overBudget = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder feedbackDuplicates = new LongAdder();
    private final Map<String, LongAdder> fired = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> campaignOverBudget = new ConcurrentHashMap<>();
    private final Map<String, Yield> yields = new ConcurrentHashMap<>();

    /**
     * What label feedback says of one trigger so far.
     *
     * @param labeled its harvests that were labeled
     * @param modelErrors how many of those showed the model wrong
     * @param share its share of harvest priority from the {@link TriggerBandit}, in (0, 1]
     */
    public record Yield(long labeled, long modelErrors, double share) {}

    /** Well-formed scored frames run through the policy. */
    public long framesSeen() {
        return framesSeen.sum();
    }

    /** Frames the triggers harvested, after near-duplicate suppression and before any budget. */
    public long harvested() {
        return harvested.sum();
    }

    /** Scored frames sent to {@code frames.dlq} because they could not be scored. */
    public long malformed() {
        return malformed.sum();
    }

    /** How many harvested frames each trigger fired on, by trigger name; a frame counts once per trigger. */
    public Map<String, Long> firedByTrigger() {
        Map<String, Long> counts = new TreeMap<>();
        fired.forEach((name, count) -> counts.put(name, count.sum()));
        return counts;
    }

    /** Frames a trigger fired on but that were dropped as near-duplicates of a recent harvest of their vehicle. */
    public long duplicates() {
        return duplicates.sum();
    }

    /** Harvested frames the budget dropped: not among the best of their window, per vehicle or in all. */
    public long overBudget() {
        return overBudget.sum();
    }

    /** Harvested frames that reached the budget after their window had closed, and were dropped. */
    public long late() {
        return late.sum();
    }

    /**
     * By campaign id, how many times a campaign fired on a frame after it had spent its budget (or
     * after it left the table), so its trigger was taken off the edge case.
     */
    public Map<String, Long> campaignOverBudget() {
        Map<String, Long> counts = new TreeMap<>();
        campaignOverBudget.forEach((id, count) -> counts.put(id, count.sum()));
        return counts;
    }

    /**
     * Label feedback records not counted toward trigger yield: a second one for a frame already
     * counted, or one without a frame id.
     */
    public long feedbackDuplicates() {
        return feedbackDuplicates.sum();
    }

    void recordFeedbackDuplicate() {
        feedbackDuplicates.increment();
    }

    /** Each trigger's yield and bandit share by trigger name, for the triggers any feedback named. */
    public Map<String, Yield> triggerYields() {
        return new TreeMap<>(yields);
    }

    void recordYield(io.gleaner.schema.v1.TriggerYield yield) {
        yields.put(yield.getTrigger(), new Yield(yield.getLabeled(), yield.getModelErrors(), yield.getShare()));
    }

    void forgetYield(String trigger) {
        yields.remove(trigger);
    }

    void recordCampaignOverBudget(String campaignId) {
        campaignOverBudget.computeIfAbsent(campaignId, id -> new LongAdder()).increment();
    }

    void recordOverBudget() {
        overBudget.increment();
    }

    void recordLate() {
        late.increment();
    }

    void recordDuplicate() {
        duplicates.increment();
    }

    void recordFired(String trigger) {
        fired.computeIfAbsent(trigger, name -> new LongAdder()).increment();
    }

    void recordSeen() {
        framesSeen.increment();
    }

    void recordHarvested() {
        harvested.increment();
    }

    void recordMalformed() {
        malformed.increment();
    }
}
