/**
 * The driving model: its network (a small conv backbone with a scene head and an action head),
 * its on-disk artifact (DJL parameters plus {@code manifest.json} with the SHA-256 of the
 * parameters), image preprocessing (with a direct PNG reader), and batched inference: a
 * {@link io.gleaner.scorer.model.BatchPredictor} per scoring thread runs batches padded to a power of two rows, with
 * MC dropout and novelty against a reference bank. Everything here that touches DJL
 * first calls {@link io.gleaner.scorer.model.DjlRuntime#ensureOffline()}.
 */
package io.gleaner.scorer.model;
