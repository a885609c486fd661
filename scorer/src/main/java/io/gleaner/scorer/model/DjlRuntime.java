package io.gleaner.scorer.model;

/**
 * Keeps DJL off the network. Without {@code ai.djl.offline=true} and {@code OPT_OUT_TRACKING=true}
 * the engine calls the EC2 metadata address and a telemetry URL when it starts; Gleaner's
 * deployments have no internet and must never wait on either.
 */
public final class DjlRuntime {
    /** System property that stops DJL from downloading engines and models. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";
    /** System property that stops DJL's usage telemetry. */
    public static final String OPT_OUT_TRACKING_PROPERTY = "OPT_OUT_TRACKING";

    private DjlRuntime() {}

    /**
     * Sets both properties to {@code true}. Idempotent; call it before anything loads a DJL engine
     * (every DJL-touching class in this module does so in its static initialiser).
     */
    public static void ensureOffline() {
        System.setProperty(OFFLINE_PROPERTY, "true");
        System.setProperty(OPT_OUT_TRACKING_PROPERTY, "true");
    }
}
