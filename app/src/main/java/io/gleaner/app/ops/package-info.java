/**
 * Operating a role: its ops port ({@link io.gleaner.app.ops.OpsEndpoint}, {@code GET /metrics} in
 * Prometheus text and {@code GET /health} as JSON), the Micrometer bindings of each stage's plain
 * counters, the database-backed gauges (read on a schedule, never per scrape), and the Kafka client
 * settings every client the app makes is built from ({@link io.gleaner.app.ops.KafkaClientSettings},
 * which keeps TLS/SASL secrets out of logs).
 */
package io.gleaner.app.ops;
