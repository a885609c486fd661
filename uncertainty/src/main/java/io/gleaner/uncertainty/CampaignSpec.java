package io.gleaner.uncertainty;

import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.Exemplar;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A "find me more like this" campaign as the selection stage applies it: a live trigger that fires
 * on a frame whose embedding's cosine similarity to any exemplar (the largest) is at least
 * {@code threshold}, both taken relative to {@code center} when there is one
 * ({@code cos(x − c, e − c)}), while the campaign is active and the frame's record time is before
 * {@code endTimeMs}. Its edge cases name the trigger {@code campaign:<id>}, with that largest
 * similarity as the score and the threshold. Pure: built from the {@code Campaign} message and
 * validated on the way, so that a bad record on the {@code campaigns} topic is refused with a reason.
 *
 * @param id lower-case letters, digits and dashes, 1 to 64 characters
 * @param name what people call it
 * @param exemplars the exemplar embeddings, at least one, all of one dimension, none equal to the
 *     center (they are centered and L2-normalised here)
 * @param center the mean embedding of ordinary frames, subtracted before the cosine, or an empty
 *     array for none; of the exemplars' dimension otherwise
 * @param threshold cosine similarity at or above which a frame matches, in (-1, 1]
 * @param budget most edge cases the campaign may harvest over its life, at least 1
 * @param endTimeMs record time from which it no longer fires
 * @param active false once stopped
 */
public record CampaignSpec(String id, String name, List<float[]> exemplars, float[] center, double threshold,
        long budget, long endTimeMs, boolean active) {
    /** What every campaign trigger's name starts with. */
    public static final String TRIGGER_PREFIX = "campaign:";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /** Validates every field; the message names the campaign and what to change. */
    public CampaignSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("campaign id '" + id + "' is not allowed; use 1 to 64 lower-case letters,"
                    + " digits and dashes, starting with a letter or digit");
        }
        if (!(threshold > -1.0 && threshold <= 1.0)) {
            throw new IllegalArgumentException("campaign " + id + ": threshold is " + threshold
                    + "; it must be a cosine similarity in (-1, 1], e.g. 0.9");
        }
        if (budget < 1) {
            throw new IllegalArgumentException("campaign " + id + ": budget is " + budget + "; it must be at least 1");
        }
        if (exemplars == null || exemplars.isEmpty()) {
            throw new IllegalArgumentException("campaign " + id + " has no exemplar embedding; give at least one");
        }
        Objects.requireNonNull(center, "center");
        List<float[]> normalised = new ArrayList<>(exemplars.size());
        int dimension = exemplars.get(0).length;
        if (center.length != 0 && center.length != dimension) {
            throw new IllegalArgumentException("campaign " + id + ": the center has " + center.length
                    + " values where the exemplars have " + dimension + "; compute it with the same model");
        }
        center = center.clone();
        for (float x : center) {
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException("campaign " + id + ": the center holds " + x + "; it must be finite");
            }
        }
        for (int e = 0; e < exemplars.size(); e++) {
            float[] exemplar = exemplars.get(e);
            if (exemplar.length == 0 || exemplar.length != dimension) {
                throw new IllegalArgumentException("campaign " + id + ": exemplar " + e + " has " + exemplar.length
                        + " values where exemplar 0 has " + dimension + "; give embeddings of one model, not empty");
            }
            double norm = 0.0;
            for (int i = 0; i < dimension; i++) {
                if (!Float.isFinite(exemplar[i])) {
                    throw new IllegalArgumentException("campaign " + id + ": exemplar " + e + " holds " + exemplar[i]
                            + "; embeddings must be finite");
                }
                double x = exemplar[i] - (center.length == 0 ? 0.0 : center[i]);
                norm += x * x;
            }
            if (norm == 0.0) {
                throw new IllegalArgumentException("campaign " + id + ": exemplar " + e
                        + " is all zeros (or the center itself) and matches nothing; give the frame's embedding");
            }
            float[] unit = new float[dimension];
            double length = Math.sqrt(norm);
            for (int i = 0; i < dimension; i++) {
                unit[i] = (float) ((exemplar[i] - (center.length == 0 ? 0.0 : center[i])) / length);
            }
            normalised.add(unit);
        }
        exemplars = List.copyOf(normalised);
    }

    /**
     * The campaign a {@code Campaign} message describes.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static CampaignSpec of(Campaign campaign) {
        List<float[]> exemplars = new ArrayList<>(campaign.getExemplarsCount());
        for (Exemplar exemplar : campaign.getExemplarsList()) {
            float[] embedding = new float[exemplar.getEmbeddingCount()];
            for (int i = 0; i < embedding.length; i++) {
                embedding[i] = exemplar.getEmbedding(i);
            }
            exemplars.add(embedding);
        }
        float[] center = new float[campaign.getCenterCount()];
        for (int i = 0; i < center.length; i++) {
            center[i] = campaign.getCenter(i);
        }
        return new CampaignSpec(campaign.getId(), campaign.getName(), exemplars, center, campaign.getThreshold(),
                campaign.getBudget(), campaign.getEndTimeMs(), campaign.getState() == CampaignState.CAMPAIGN_STATE_ACTIVE);
    }

    /** The trigger name its edge cases carry: {@code campaign:<id>}. */
    public String triggerName() {
        return TRIGGER_PREFIX + id;
    }

    /** The embedding dimension of its exemplars. */
    public int dimension() {
        return exemplars.get(0).length;
    }

    /** Whether it fires on a frame recorded at {@code timeMs}: active, and before its end. */
    public boolean liveAt(long timeMs) {
        return active && timeMs < endTimeMs;
    }

    /**
     * The largest cosine similarity {@code e·(x − c) / ‖x − c‖} between the frame's embedding
     * {@code x}, less the center {@code c} (0 when none), and an exemplar {@code e} (centered, unit
     * length), or NaN when the frame has no embedding of the exemplars' dimension or it is the center.
     */
    public double maxSimilarity(float[] embedding) {
        if (embedding.length != dimension()) {
            return Double.NaN;
        }
        double[] centered = new double[embedding.length];
        double norm = 0.0;
        for (int i = 0; i < embedding.length; i++) {
            centered[i] = embedding[i] - (center.length == 0 ? 0.0 : center[i]);
            norm += centered[i] * centered[i];
        }
        if (norm == 0.0) {
            return Double.NaN;
        }
        double best = Double.NEGATIVE_INFINITY;
        for (float[] exemplar : exemplars) {
            double dot = 0.0;
            for (int i = 0; i < exemplar.length; i++) {
                dot += exemplar[i] * centered[i];
            }
            best = Math.max(best, dot);
        }
        return best / Math.sqrt(norm);
    }

    /** The center subtracted before the cosine (a copy), empty for none. */
    @Override
    public float[] center() {
        return center.clone();
    }

    /**
     * The trigger it makes of a frame recorded at {@code timeMs}, or null when it is not live then
     * or the frame is not similar enough.
     */
    public FiredTrigger evaluate(float[] embedding, long timeMs) {
        if (!liveAt(timeMs)) {
            return null;
        }
        double similarity = maxSimilarity(embedding);
        return similarity >= threshold ? new FiredTrigger(triggerName(), similarity, threshold) : null;
    }

    /** The campaign id of a trigger name, or null when it is not a campaign trigger. */
    public static String campaignId(String triggerName) {
        return triggerName.startsWith(TRIGGER_PREFIX) ? triggerName.substring(TRIGGER_PREFIX.length()) : null;
    }
}
