/**
 * The ingest stage: reads {@code frames.raw} as bytes, validates and deduplicates each frame, and
 * routes it to {@code frames.valid} or, with a reason, to {@code frames.dlq}.
 *
 * <p>{@link io.gleaner.ingest.IngestTopology} adds the stage to a {@code StreamsBuilder};
 * {@link io.gleaner.ingest.FrameValidator} and {@link io.gleaner.ingest.ImageHeaders} hold the
 * validation rules as pure logic with no Kafka types, so they are tested on their own;
 * {@code ImageDecoder} proves a PNG or JPEG decodes once every cheap rule passed, and
 * {@link io.gleaner.ingest.IngestMetrics} counts frames in and out, dead letters by reason and decode
 * time. Frame sources live in {@code io.gleaner.ingest.sim}; bad records made on purpose, for tests,
 * in {@code io.gleaner.ingest.poison}.
 */
package io.gleaner.ingest;
