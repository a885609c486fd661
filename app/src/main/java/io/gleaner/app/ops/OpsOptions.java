package io.gleaner.app.ops;

import picocli.CommandLine.Option;

/** The ops-port flags every long-running role shares; flags win over the environment. */
public final class OpsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "${env:GLEANER_METRICS_PORT:-9464}",
            description = "Port of GET /metrics (Prometheus) and GET /health, no token needed; 0 = a free port"
                    + " (printed), -1 = none (env GLEANER_METRICS_PORT; default ${DEFAULT-VALUE}).")
    int port = OpsConfig.DEFAULT_PORT;

    @Option(names = "--metrics-host", paramLabel = "ADDRESS", defaultValue = "${env:GLEANER_METRICS_HOST:-127.0.0.1}",
            description = "Address of the metrics port; 0.0.0.0 so Prometheus can reach it from elsewhere"
                    + " (env GLEANER_METRICS_HOST; default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    /** The flags as a validated config; throws IllegalArgumentException naming the bad flag. */
    public OpsConfig config() {
        return new OpsConfig(host, port);
    }
}
