/**
 * The wire contract every module shares: topics with their serdes ({@link io.gleaner.schema.Topics}),
 * DLQ header names, and the database migrations. Generated protobuf classes live in
 * {@code io.gleaner.schema.v1}.
 */
package io.gleaner.schema;
