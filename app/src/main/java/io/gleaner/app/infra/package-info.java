/**
 * Infrastructure the roles run on: the embedded Kafka broker and PostgreSQL server that make
 * {@code gleaner demo} work with no set-up, database endpoints, and topic creation.
 */
package io.gleaner.app.infra;
