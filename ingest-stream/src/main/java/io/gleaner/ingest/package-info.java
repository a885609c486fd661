/**
 * The ingest stage: reads {@code frames.raw} as bytes, validates and deduplicates each frame, and
 * routes it to {@code frames.valid} or, with a reason, to {@code frames.dlq}.
 *
 * <p>{@link io.gleaner.ingest.IngestTopology} adds the stage to a {@code StreamsBuilder};
 * {@link io.gleaner.ingest.FrameValidator} and {@link io.gleaner.ingest.ImageHeaders} hold the
 * validation rules as pure logic with no Kafka types, so they are tested on their own. Frame
 * sources live in {@code io.gleaner.ingest.sim}.
 */
package io.gleaner.ingest;
