package io.gleaner.queue.api;

import io.gleaner.queue.ConsensusConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@code gleaner serve} runs the API.
 *
 * @param host the address to listen on; {@code 127.0.0.1} keeps it local, {@code 0.0.0.0} opens it
 * @param port the TCP port, 0 .. 65535 (0: any free port, for tests)
 * @param maxRequestBytes largest request body accepted; larger ones get 413
 * @param defaultLease the lease a claim or heartbeat gets when it does not ask for one
 * @param maxLease the longest lease a client may ask for
 * @param threads request threads (each holds at most one database connection at a time)
 * @param consensus when a task's labels are enough
 */
public record ServeConfig(
        String host,
        int port,
        int maxRequestBytes,
        Duration defaultLease,
        Duration maxLease,
        int threads,
        ConsensusConfig consensus) {
    /** A label's JSON with 2,000 characters of notes is under 10 KiB; 64 KiB leaves room and stops abuse. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

    public ServeConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("serve host is blank: give an address, e.g. 127.0.0.1 (--host)");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("serve port is " + port + ", must be 0 .. 65535 (--port)");
        }
        if (maxRequestBytes < 1024 || maxRequestBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("max request size is " + maxRequestBytes
                    + " bytes, must be 1 KiB .. 16 MiB (--max-request-bytes)");
        }
        Objects.requireNonNull(defaultLease, "defaultLease");
        Objects.requireNonNull(maxLease, "maxLease");
        if (defaultLease.compareTo(Duration.ofSeconds(1)) < 0 || defaultLease.compareTo(maxLease) > 0) {
            throw new IllegalArgumentException("default lease is " + defaultLease + ", must be 1 s .. the max lease "
                    + maxLease + " (--lease, --max-lease)");
        }
        if (maxLease.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("max lease is " + maxLease
                    + ", at most PT24H: an abandoned task would be lost to the team for longer (--max-lease)");
        }
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("serve threads is " + threads + ", must be 1 .. 256 (--threads)");
        }
        Objects.requireNonNull(consensus, "consensus");
    }

    /** Local only, port 8080, 64 KiB requests, 5-minute leases (at most 1 hour), 16 threads, one label final. */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, DEFAULT_MAX_REQUEST_BYTES, Duration.ofMinutes(5),
                Duration.ofHours(1), 16, ConsensusConfig.defaults());
    }

    /** These settings on another port. */
    public ServeConfig withPort(int newPort) {
        return new ServeConfig(host, newPort, maxRequestBytes, defaultLease, maxLease, threads, consensus);
    }
}
