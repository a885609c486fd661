package io.gleaner.scorer;

import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.NativeHeap;
import java.util.Objects;
import java.util.Optional;

/**
 * The model version one scorer instance serves, shared by all its stream tasks. A batch scores
 * under a {@link Lease}, which pins the model it was taken on: {@link #swap} and {@link #retire}
 * serve the next model (or none) at once, and the previous one is closed when its last lease ends,
 * so models change between batches, never during one.
 *
 * <p>Nothing here waits for a lease. A stream thread holds leases across records (the batch in its
 * forward pass keeps one until its scores are forwarded), and one thread runs several tasks, so a
 * swap that waited for leases could wait for the very thread that asked for it.
 */
public final class ModelHolder implements AutoCloseable {
    private final Object lock = new Object();
    private Pinned current;
    private boolean closed;

    /** A model and the leases out on it; closed once it is no longer served and no lease is out. */
    private static final class Pinned {
        final DrivingModel model;
        int leases;
        boolean served = true;

        Pinned(DrivingModel model) {
            this.model = model;
        }

        /** The model, when it is no longer served and no lease is out: the caller closes it. */
        DrivingModel closable() {
            return !served && leases == 0 ? model : null;
        }
    }

    /**
     * The model now served, if any, for tests only: nothing pins it, so a swap may close it at any
     * moment. To predict with it, take a {@link #acquire() lease}.
     */
    Optional<DrivingModel> current() {
        synchronized (lock) {
            return Optional.ofNullable(current).map(pinned -> pinned.model);
        }
    }

    /** The version now served, {@code ""} when there is no model yet. */
    public String currentVersion() {
        synchronized (lock) {
            return current == null ? "" : current.model.version();
        }
    }

    /**
     * Serves {@code next} from now on; the previous model is closed once no batch uses it, and its
     * native memory handed back to the OS ({@link NativeHeap#trim()}). The holder owns {@code next}
     * afterwards.
     *
     * @throws IllegalStateException when the holder is closed (and {@code next} is closed too)
     */
    public void swap(DrivingModel next) {
        Objects.requireNonNull(next, "next");
        DrivingModel unused;
        synchronized (lock) {
            if (closed) {
                next.close();
                throw new IllegalStateException("model holder is closed; cannot serve " + next);
            }
            if (current != null && current.model == next) {
                return;
            }
            unused = stopServing();
            current = new Pinned(next);
        }
        closeUnused(unused);
    }

    /**
     * Stops serving {@code failed}, leaving no model until the next {@link #swap}, and closes it once
     * no batch uses it; does nothing when another model is served by now (a swap already replaced it).
     *
     * @return whether {@code failed} was the model served
     */
    boolean retire(DrivingModel failed) {
        Objects.requireNonNull(failed, "failed");
        DrivingModel unused;
        synchronized (lock) {
            if (current == null || current.model != failed) {
                return false;
            }
            unused = stopServing();
        }
        closeUnused(unused);
        return true;
    }

    /** The current model, pinned until the lease is closed; empty when there is no model yet or the holder is closed. */
    public Optional<Lease> acquire() {
        synchronized (lock) {
            if (current == null || closed) {
                return Optional.empty();
            }
            current.leases++;
            return Optional.of(new Lease(current));
        }
    }

    /** Stops serving; the current model is closed once no batch uses it. */
    @Override
    public void close() {
        DrivingModel unused;
        synchronized (lock) {
            closed = true;
            unused = stopServing();
        }
        closeUnused(unused);
    }

    /** Under the lock: the current model is served no more; returns it when no lease is out on it. */
    private DrivingModel stopServing() {
        if (current == null) {
            return null;
        }
        Pinned previous = current;
        current = null;
        previous.served = false;
        return previous.closable();
    }

    private static void closeUnused(DrivingModel model) {
        if (model != null) {
            model.close();
            // Give its tensors' pages back, or the resident set climbs a step with each swap.
            NativeHeap.trim();
        }
    }

    /** A model that stays open until this lease is closed. */
    public final class Lease implements AutoCloseable {
        private final Pinned pinned;
        private boolean released;

        private Lease(Pinned pinned) {
            this.pinned = pinned;
        }

        /** The pinned model. */
        public DrivingModel model() {
            return pinned.model;
        }

        /** Ends the lease; the last one out on a model no longer served closes it. Idempotent. */
        @Override
        public void close() {
            DrivingModel unused;
            synchronized (lock) {
                if (released) {
                    return;
                }
                released = true;
                pinned.leases--;
                unused = pinned.closable();
            }
            closeUnused(unused);
        }
    }
}
