package io.gleaner.queue.api;

import io.gleaner.queue.ConsensusConfig;
import io.gleaner.queue.TaskQueue;
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
 * @param leaseSweepEvery how often leases that lapsed are returned to pending, so queue depth and
 *     the dashboard count them as waiting (a claim takes a lapsed task either way)
 * @param leaseSweepGrace how long a lapsed lease stays leased before a sweep returns it, so a late
 *     submit from its holder still hears "lease expired" rather than "not leased"
 * @param batchSlots batched claims, and batched submits, that run at once; 0 runs every claim and
 *     submit alone ({@link TaskQueue#TaskQueue(javax.sql.DataSource, ConsensusConfig, int)})
 */
public record ServeConfig(
        String host,
        int port,
        int maxRequestBytes,
        Duration defaultLease,
        Duration maxLease,
        int threads,
        ConsensusConfig consensus,
        Duration leaseSweepEvery,
        Duration leaseSweepGrace,
        int batchSlots) {
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
        Objects.requireNonNull(leaseSweepEvery, "leaseSweepEvery");
        Objects.requireNonNull(leaseSweepGrace, "leaseSweepGrace");
        if (leaseSweepEvery.compareTo(Duration.ofSeconds(1)) < 0 || leaseSweepEvery.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("lease sweep interval is " + leaseSweepEvery
                    + ", must be 1 s .. 1 h (--lease-sweep-seconds)");
        }
        if (leaseSweepGrace.isNegative() || leaseSweepGrace.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("lease sweep grace is " + leaseSweepGrace
                    + ", must be 0 .. 1 h (--lease-grace-seconds)");
        }
        if (batchSlots < 0 || batchSlots > TaskQueue.MAX_BATCH_SLOTS) {
            throw new IllegalArgumentException("batch slots is " + batchSlots + ", must be 0 (no batching) .. "
                    + TaskQueue.MAX_BATCH_SLOTS + " (--batch-slots)");
        }
    }

    /** The default {@link #leaseSweepEvery}. */
    public static final Duration DEFAULT_LEASE_SWEEP_EVERY = Duration.ofSeconds(30);
    /** The default {@link #leaseSweepGrace}. */
    public static final Duration DEFAULT_LEASE_SWEEP_GRACE = Duration.ofMinutes(1);

    /**
     * Local only, port 8080, 64 KiB requests, 5-minute leases (at most 1 hour), 16 threads, one label
     * final, lapsed leases swept every 30 s after a minute's grace, claims and submits batched in
     * {@link TaskQueue#DEFAULT_BATCH_SLOTS} slot.
     */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, DEFAULT_MAX_REQUEST_BYTES, Duration.ofMinutes(5),
                Duration.ofHours(1), 16, ConsensusConfig.defaults(), DEFAULT_LEASE_SWEEP_EVERY, DEFAULT_LEASE_SWEEP_GRACE,
                TaskQueue.DEFAULT_BATCH_SLOTS);
    }

    /** These settings on another port. */
    public ServeConfig withPort(int newPort) {
        return new ServeConfig(host, newPort, maxRequestBytes, defaultLease, maxLease, threads, consensus,
                leaseSweepEvery, leaseSweepGrace, batchSlots);
    }

    /** These settings with another lease sweep. */
    public ServeConfig withLeaseSweep(Duration every, Duration grace) {
        return new ServeConfig(host, port, maxRequestBytes, defaultLease, maxLease, threads, consensus, every, grace,
                batchSlots);
    }

    /** These settings with another number of batch slots. */
    public ServeConfig withBatchSlots(int slots) {
        return new ServeConfig(host, port, maxRequestBytes, defaultLease, maxLease, threads, consensus,
                leaseSweepEvery, leaseSweepGrace, slots);
    }
}
