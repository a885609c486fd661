/**
 * Choosing which scored frames deserve a human label.
 *
 * <p>The acquisition functions live in {@link io.gleaner.uncertainty.acquisition}: pure arithmetic
 * on the float arrays the scorer produced, with no I/O, so their tests check exact numbers.
 * {@link io.gleaner.uncertainty.SelectionPolicy} combines them into one score and keeps the top
 * {@code keepFraction} of a rolling {@link io.gleaner.uncertainty.ScoreWindow}; it knows nothing of
 * Kafka. {@link io.gleaner.uncertainty.NamedTriggers} runs the configured
 * {@link io.gleaner.uncertainty.TriggerConfig named triggers} (an acquisition function plus a fixed
 * threshold or a target rate against a {@link io.gleaner.uncertainty.WarmStartQuantile} estimate: exact order statistics at first, then {@link io.gleaner.uncertainty.P2Quantile}) beside it. {@link io.gleaner.uncertainty.SelectionTopology} is the Kafka Streams stage that runs the
 * policy on {@code frames.scored}, keeps the window and the quantile estimates in changelogged state stores, and writes the
 * harvested frames to {@code edge-cases}; a frame that could not be scored or labeled goes to
 * {@code frames.dlq} with a {@link io.gleaner.uncertainty.MalformedReason}.
 *
 * <p>Beside the per-frame triggers: {@link io.gleaner.uncertainty.CampaignSpec campaigns} ("find me
 * more like this", live from the compacted {@code campaigns} topic, each with its own budget and
 * end), the per-vehicle {@link io.gleaner.uncertainty.FlickerConfig flicker triggers} over
 * consecutive frames, and {@link io.gleaner.uncertainty.TriggerBandit trigger-yield feedback}, which
 * learns from {@code label-feedback} which triggers reveal model errors and shifts harvest priority
 * toward them.
 */
package io.gleaner.uncertainty;
