package io.gleaner.queue;

/** An already-harvested task near another one: its ids, its cosine similarity to it, its state. */
public record SimilarTask(long taskId, String frameId, double similarity, String state) {}
