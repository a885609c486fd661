package io.gleaner.app.bench.al;

/**
 * Runs PyTorch's operators on one thread in this JVM. The benchmark's networks and batches are
 * small: on the shared 2-core machine (load 8–11) one thread trained the pool classifier about 7×
 * faster than the default two, whose operators stall whenever one of their threads is descheduled,
 * with the same accuracies. Takes effect only before the engine starts.
 */
final class TorchThreads {
    static final String THREADS = "ai.djl.pytorch.num_threads";
    static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

    private TorchThreads() {}

    /** Sets one intra-op and one inter-op thread, unless the user set them with {@code -D}. */
    static void useOne() {
        if (System.getProperty(THREADS) == null) {
            System.setProperty(THREADS, "1");
        }
        if (System.getProperty(INTEROP_THREADS) == null) {
            System.setProperty(INTEROP_THREADS, "1");
        }
    }
}
