package io.gleaner.app.ops;

import java.util.Objects;

/**
 * Where a role serves its ops port ({@code GET /metrics}, {@code GET /health}).
 *
 * @param host the address to listen on; {@code 0.0.0.0} for all (in a container, so Prometheus can reach it)
 * @param port 1..65535, {@value #ANY_PORT} for a free port chosen at start (printed), {@value #OFF} for no ops port
 */
public record OpsConfig(String host, int port) {
    /** The default port; each role runs in its own process (or container), so they can share it. */
    public static final int DEFAULT_PORT = 9464;
    /** Ask the system for a free port. */
    public static final int ANY_PORT = 0;
    /** No ops port at all. */
    public static final int OFF = -1;

    public OpsConfig {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the metrics host is empty; give --metrics-host ADDRESS"
                    + " (127.0.0.1, or 0.0.0.0 for all)");
        }
        if (port < OFF || port > 65_535) {
            throw new IllegalArgumentException("metrics port " + port + " is out of range; give --metrics-port 1..65535,"
                    + " 0 for a free port, or -1 for none");
        }
    }

    /** Loopback only, on {@link #DEFAULT_PORT}. */
    public static OpsConfig defaults() {
        return new OpsConfig("127.0.0.1", DEFAULT_PORT);
    }

    /** No ops port. */
    public static OpsConfig off() {
        return new OpsConfig("127.0.0.1", OFF);
    }

    /** A free port on loopback (tests, several roles in one host). */
    public static OpsConfig anyPort() {
        return new OpsConfig("127.0.0.1", ANY_PORT);
    }

    public boolean enabled() {
        return port != OFF;
    }
}
