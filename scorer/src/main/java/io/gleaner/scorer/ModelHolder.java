package io.gleaner.scorer;

import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.NativeHeap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The model version one scorer instance serves, shared by all its stream tasks. A batch scores
 * under a {@link Lease}; {@link #swap} waits until no lease is out before it replaces the model and
 * closes the old one, so models change between batches, never during one.
 */
public final class ModelHolder implements AutoCloseable {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile DrivingModel current;
    private boolean closed;

    /**
     * The model now served, if any, for tests only: nothing pins it, so a swap may close it at any
     * moment. To predict with it, take a {@link #acquire() lease}.
     */
    Optional<DrivingModel> current() {
        return Optional.ofNullable(current);
    }

    /** The version now served, {@code ""} when there is no model yet. */
    public String currentVersion() {
        DrivingModel model = current;
        return model == null ? "" : model.version();
    }

    /**
     * Serves {@code next} from now on and closes the previous model once no batch uses it, handing
     * its native memory back to the OS ({@link NativeHeap#trim()}). The holder owns {@code next}
     * afterwards. Must not be called while the calling thread holds a lease.
     *
     * @throws IllegalStateException when the holder is closed (and {@code next} is closed too)
     */
    public void swap(DrivingModel next) {
        Objects.requireNonNull(next, "next");
        DrivingModel previous;
        lock.writeLock().lock();
        try {
            if (closed) {
                next.close();
                throw new IllegalStateException("model holder is closed; cannot serve " + next);
            }
            previous = current;
            current = next;
        } finally {
            lock.writeLock().unlock();
        }
        // Nobody can lease the previous model any more, and the write lock proved no lease was out.
        if (previous != null && previous != next) {
            previous.close();
            // Give its tensors' pages back, or the resident set climbs a step with each swap.
            NativeHeap.trim();
        }
    }

    /**
     * Stops serving {@code failed} and closes it once no batch uses it, leaving no model until the
     * next {@link #swap}; does nothing when another model is served by now (a swap already replaced
     * it). Must not be called while the calling thread holds a lease.
     *
     * @return whether {@code failed} was the model served
     */
    boolean retire(DrivingModel failed) {
        Objects.requireNonNull(failed, "failed");
        lock.writeLock().lock();
        try {
            if (current != failed) {
                return false;
            }
            current = null;
        } finally {
            lock.writeLock().unlock();
        }
        failed.close();
        NativeHeap.trim();
        return true;
    }

    /**
     * The current model, pinned until the lease is closed (on the same thread); empty when there
     * is no model yet or the holder is closed.
     */
    public Optional<Lease> acquire() {
        lock.readLock().lock();
        DrivingModel model = current;
        if (model == null || closed) {
            lock.readLock().unlock();
            return Optional.empty();
        }
        return Optional.of(new Lease(model));
    }

    /**
     * Whether a thread waits to swap or retire the model: a stream thread that holds a lease from
     * batch to batch lets go of it then, or the swap would wait for as long as frames keep coming.
     */
    boolean swapWaiting() {
        return lock.hasQueuedThreads();
    }

    /** Stops serving and closes the current model once no batch uses it. */
    @Override
    public void close() {
        DrivingModel previous;
        lock.writeLock().lock();
        try {
            closed = true;
            previous = current;
            current = null;
        } finally {
            lock.writeLock().unlock();
        }
        if (previous != null) {
            previous.close();
        }
    }

    /** A model that stays open until this lease is closed. Close it on the thread that acquired it. */
    public final class Lease implements AutoCloseable {
        private final DrivingModel model;
        private boolean released;

        private Lease(DrivingModel model) {
            this.model = model;
        }

        /** The pinned model. */
        public DrivingModel model() {
            return model;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                lock.readLock().unlock();
            }
        }
    }
}
