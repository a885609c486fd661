package io.gleaner.retrain.ssl;

import java.util.Locale;

/** The self-supervised methods pretraining offers. */
public enum SslMethod {
    /** Contrastive: NT-Xent over two views, the other images of the batch as negatives. */
    SIMCLR("simclr"),
    /** Non-contrastive: invariance, variance and covariance terms, no negatives. */
    VICREG("vicreg");

    private final String id;

    SslMethod(String id) {
        this.id = id;
    }

    /** The name the manifest and the command line use: {@code simclr} or {@code vicreg}. */
    public String id() {
        return id;
    }

    /** Parses {@code simclr} or {@code vicreg}, case-insensitively. */
    public static SslMethod parse(String name) {
        for (SslMethod method : values()) {
            if (method.id.equals(name.toLowerCase(Locale.ROOT))) {
                return method;
            }
        }
        throw new IllegalArgumentException("SSL method '" + name + "' is not one of simclr, vicreg");
    }
}
