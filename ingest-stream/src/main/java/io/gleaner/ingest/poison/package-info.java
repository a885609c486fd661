/**
 * Bad {@code frames.raw} records made on purpose: {@link io.gleaner.ingest.poison.PoisonZoo} builds
 * one of each kind of malformed, hostile or oversized record the ingest stage must route to
 * {@code frames.dlq}, each with the {@link io.gleaner.ingest.RejectReason} it must get, and mixes
 * them into a stream of good records at a given rate. Used by the ingest unit tests, the ingest
 * integration test and fault tests; deterministic for a seed, with no Kafka types.
 */
package io.gleaner.ingest.poison;
