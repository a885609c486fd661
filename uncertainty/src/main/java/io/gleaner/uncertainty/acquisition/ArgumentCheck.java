package io.gleaner.uncertainty.acquisition;

/**
 * The argument checks every acquisition function shares, so that each rejects bad input with
 * the same kind of message: {@code function: argument is value; what to do}.
 */
final class ArgumentCheck {
    /** How far from 1 the norm of an "L2-normalised" float vector may be: float rounding, not a bug. */
    static final double NORM_TOLERANCE = 1e-3;

    private ArgumentCheck() {}

    /** A class distribution: non-empty, every value finite and at least 0. */
    static void probabilities(String function, String argument, float[] p) {
        if (p == null || p.length == 0) {
            throw new IllegalArgumentException(function + ": " + argument + " is "
                    + (p == null ? "null" : "empty") + "; pass the scorer's softmax, one value per class");
        }
        for (int i = 0; i < p.length; i++) {
            float value = p[i];
            if (!Float.isFinite(value) || value < 0f) {
                throw new IllegalArgumentException(function + ": " + argument + "[" + i + "] is " + value
                        + "; every probability must be a finite number >= 0 (check the scorer's softmax)");
            }
        }
    }

    /**
     * T sampled class distributions over the same classes: at least one sample, every row a valid
     * distribution of the same length.
     */
    static void samples(String function, String argument, float[][] samples) {
        if (samples == null || samples.length == 0) {
            throw new IllegalArgumentException(function + ": " + argument + " is "
                    + (samples == null ? "null" : "empty")
                    + "; pass T >= 1 sampled softmaxes (dropout samples or heads), one row per sample");
        }
        int classes = -1;
        for (int t = 0; t < samples.length; t++) {
            probabilities(function, argument + "[" + t + "]", samples[t]);
            if (classes >= 0 && samples[t].length != classes) {
                throw new IllegalArgumentException(function + ": " + argument + "[" + t + "] has "
                        + samples[t].length + " classes but " + argument + "[0] has " + classes
                        + "; every sample must cover the same classes in the same order");
            }
            classes = samples[t].length;
        }
    }

    /** One finite number. */
    static void finite(String function, String argument, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(function + ": " + argument + " is " + value
                    + "; it must be a finite number");
        }
    }

    /** A non-empty array of finite numbers. */
    static void finiteValues(String function, String argument, float[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException(function + ": " + argument + " is "
                    + (values == null ? "null" : "empty") + "; pass at least one value");
        }
        for (int i = 0; i < values.length; i++) {
            finite(function, argument + "[" + i + "]", values[i]);
        }
    }

    /** A finite vector of length {@code dimension} (any length when it is -1). */
    static void vector(String function, String argument, float[] v, int dimension) {
        finiteValues(function, argument, v);
        if (dimension >= 0 && v.length != dimension) {
            throw new IllegalArgumentException(function + ": " + argument + " has " + v.length
                    + " dimensions but the others have " + dimension + "; embeddings must come from one backbone");
        }
    }

    /** A finite vector whose L2 norm is 1 within {@link #NORM_TOLERANCE}. */
    static void unitVector(String function, String argument, float[] v, int dimension) {
        vector(function, argument, v, dimension);
        double squared = 0.0;
        for (float x : v) {
            squared += (double) x * x;
        }
        double norm = Math.sqrt(squared);
        if (Math.abs(norm - 1.0) > NORM_TOLERANCE) {
            throw new IllegalArgumentException(function + ": " + argument + " has L2 norm " + norm
                    + "; cosine distance here expects L2-normalised embeddings (divide by the norm first)");
        }
    }

    /** A non-empty set of finite vectors, all of one dimension. */
    static void vectors(String function, String argument, float[][] vectors) {
        if (vectors == null || vectors.length == 0) {
            throw new IllegalArgumentException(function + ": " + argument + " is "
                    + (vectors == null ? "null" : "empty") + "; pass at least one vector");
        }
        int dimension = -1;
        for (int i = 0; i < vectors.length; i++) {
            vector(function, argument + "[" + i + "]", vectors[i], dimension);
            dimension = vectors[i].length;
        }
    }

    /** A count that must be at least {@code min}. */
    static void atLeast(String function, String argument, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(function + ": " + argument + " is " + value
                    + "; it must be at least " + min);
        }
    }
}
