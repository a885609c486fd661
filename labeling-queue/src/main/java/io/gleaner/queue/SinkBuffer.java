package io.gleaner.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The queue sink's edge cases that are not in the database yet, kept as a Kafka Streams state
 * store for one reason: Streams flushes the caches of a task's stores ({@link #flushCache}) before
 * it commits the task's offsets, on every path that commits (the commit interval, a rebalance, a
 * clean shutdown), and commits no offsets when that fails. The sink writes the buffer there, so an
 * offset is never committed while the edge case at that offset is only in memory.
 *
 * <p>Why a cache and not {@link StateStore#commit}: since KIP-1035 (Kafka Streams 4.x) a store's
 * {@code commit} (the old {@code flush}) runs in the task's post-commit checkpoint, after the
 * offsets are committed; only caches, and Streams' own suppression buffers, are flushed before.
 * {@link CachedStateStore} is an internal interface, so {@code TaskSinkTopologyIT} pins that it is
 * still called before the offsets are committed.
 *
 * <p>Nothing survives a restart (not persistent, no changelog): whatever was buffered when a task
 * died has uncommitted offsets and is read again from {@code edge-cases}.
 *
 * @param <E> what is buffered
 */
final class SinkBuffer<E> implements StateStore, CachedStateStore<Void, Void> {
    private final String name;
    private final List<E> pending = new ArrayList<>();
    private Runnable beforeCommit = () -> { };
    private boolean open;

    private SinkBuffer(String name) {
        this.name = name;
    }

    /** A builder for the topology: the buffer cannot log to a changelog, since it is rebuilt from Kafka. */
    static <E> StoreBuilder<SinkBuffer<E>> builder(String name) {
        return new Builder<>(name);
    }

    /**
     * Sets what writes the buffer out; Streams runs it before every commit of the task's offsets. It
     * must empty the buffer or throw: a throw fails the commit, so the offsets stay uncommitted.
     */
    void writeBeforeCommit(Runnable writer) {
        this.beforeCommit = Objects.requireNonNull(writer, "writer");
    }

    void add(E element) {
        pending.add(element);
    }

    int size() {
        return pending.size();
    }

    /** The buffered elements in arrival order; a copy, so the caller may clear the buffer. */
    List<E> contents() {
        return List.copyOf(pending);
    }

    void clear() {
        pending.clear();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        // Nothing to restore: the records behind the buffer are still in edge-cases, uncommitted.
        context.register(root, (key, value) -> { });
        open = true;
    }

    @Override
    public void flushCache() {
        if (!pending.isEmpty()) {
            beforeCommit.run();
        }
    }

    /** Streams drops a cache whose task closes without committing; its records will be read again. */
    @Override
    public void clearCache() {
        pending.clear();
    }

    /** Nothing is forwarded from the buffer itself: the writer forwards what PostgreSQL refused. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Void, Void> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void close() {
        pending.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private static final class Builder<E> implements StoreBuilder<SinkBuffer<E>> {
        private final String name;

        Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        @Override
        public StoreBuilder<SinkBuffer<E>> withCachingEnabled() {
            throw new UnsupportedOperationException("the queue sink buffer " + name + " has no cache to enable");
        }

        @Override
        public StoreBuilder<SinkBuffer<E>> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<SinkBuffer<E>> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException("the queue sink buffer " + name
                    + " has no changelog: its records are read again from edge-cases after a failure");
        }

        @Override
        public StoreBuilder<SinkBuffer<E>> withLoggingDisabled() {
            return this;
        }

        @Override
        public SinkBuffer<E> build() {
            return new SinkBuffer<>(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
