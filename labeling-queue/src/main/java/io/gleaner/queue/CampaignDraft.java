package io.gleaner.queue;

import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.Exemplar;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * Builds the {@link Campaign} message that {@code gleaner campaign create} and the queue's
 * {@code POST /api/v1/campaigns} publish: one place for the id rule, the end time and the fields,
 * so both make the same campaign. The selection stage checks the message again when it reads it.
 */
public final class CampaignDraft {
    private CampaignDraft() {}

    /**
     * An active campaign created at {@code nowMs}.
     *
     * @param center mean embedding subtracted before the cosine; empty for none
     */
    public static Campaign active(String id, String name, List<Exemplar> exemplars, double threshold, long budget,
            long endTimeMs, List<Float> center, long nowMs) {
        return Campaign.newBuilder()
                .setId(id)
                .setName(name)
                .addAllExemplars(exemplars)
                .setThreshold(threshold)
                .setBudget(budget)
                .setEndTimeMs(endTimeMs)
                .setState(CampaignState.CAMPAIGN_STATE_ACTIVE)
                .setCreatedTimeMs(nowMs)
                .addAllCenter(center)
                .build();
    }

    /** A campaign id made from its name: lower case, runs of anything else turned into one dash. */
    public static String idOf(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return id.length() > 64 ? id.substring(0, 64) : id;
    }

    /**
     * The end of a campaign: {@code until} is an ISO-8601 instant or a duration from {@code nowMs}.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public static long endTime(String until, long nowMs) {
        try {
            return until.startsWith("P") ? nowMs + Duration.parse(until).toMillis() : Instant.parse(until).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--until '" + until + "' is neither an ISO-8601 instant"
                    + " (2026-12-01T00:00:00Z) nor a duration (P7D, PT12H)", e);
        }
    }
}
