/**
 * End-to-end tests of Gleaner on a real Kafka broker and a real PostgreSQL server, provided by
 * {@link io.gleaner.it.GleanerInfrastructure}: Testcontainers where a Docker engine is available,
 * the embedded broker and database of the {@code app} module where not, and an existing
 * PostgreSQL server when {@code GLEANER_IT_DB_URL} names one. The same tests run on every backend.
 */
package io.gleaner.it;
