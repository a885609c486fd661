package io.gleaner.queue;

/** A task's stored embedding with the frame and model version it came from. */
public record TaskEmbedding(long taskId, String frameId, String modelVersion, float[] embedding) {}
