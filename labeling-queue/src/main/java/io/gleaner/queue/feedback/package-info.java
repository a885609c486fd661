/**
 * Label feedback: the relay that publishes, for every task labeled in the queue, which triggers
 * harvested the frame and whether its final label showed the model wrong, to
 * {@code label-feedback}, where selection learns each trigger's yield from it.
 *
 * <ul>
 *   <li>{@link io.gleaner.queue.feedback.LabelFeedbackRelay}: final labels out of PostgreSQL, in
 *       label id order, into Kafka transactions; its position recovered from the topic, so
 *       nothing is lost or published twice across crashes.
 *   <li>{@link io.gleaner.queue.feedback.ModelErrorRule}: when a label shows the model wrong.
 *   <li>{@link io.gleaner.queue.feedback.FeedbackRelayConfig}: transactional id, page size,
 *       interval, error rule.
 * </ul>
 */
package io.gleaner.queue.feedback;
