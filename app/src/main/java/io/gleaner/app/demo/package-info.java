/**
 * The whole loop in one process, for {@code gleaner demo} and the end-to-end test, with the
 * benchmark-side pieces that read the simulator's truth: the oracle labeler and the action-error probe.
 */
package io.gleaner.app.demo;
