package io.gleaner.app.infra;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the off-heap memory of all RocksDB state stores in the process by one budget, as Kafka
 * Streams' memory-management guide describes: every store reads through one shared block cache,
 * keeps its index and filter blocks in it, and charges its memtables to it through one shared
 * write-buffer manager.
 *
 * <p>Why: by default each store instance (each store of each task; the selection stage alone has
 * nine stores on every partition) has its own 50 MB block cache and up to three 16 MB memtables,
 * and Streams flushes memtables only every 10,000 changelog records. The 30-minute soak
 * ({@code SoakFaultIT}, long form) showed what that does to a role with many stores: the
 * selection role's resident memory outside the heap grew by 30 MB over 36,000 frames, at an even
 * rate, while the JVM's own native memory (NMT) grew by 1.5 MB and the heap not at all. The
 * growth stops somewhere near the sum of those per-store bounds, which is far more than a role
 * should take, and it is not a figure an operator can set.
 *
 * <p>The budget, from the Streams configuration (so {@code --kafka-config} or
 * {@code GLEANER_KAFKA_GLEANER_ROCKSDB_TOTAL_BYTES} set it):
 * <ul>
 *   <li>{@value #TOTAL_BYTES_CONFIG}: the shared cache, memtables included (default 32 MiB);
 *   <li>{@value #MEMTABLE_BYTES_CONFIG}: how much of it memtables may hold before the largest is
 *       flushed (default 8 MiB).
 * </ul>
 * The budget is per process: the first Streams app to open a store sets it, and the demo's roles,
 * which share one JVM, share it.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** Streams configuration key: bytes of off-heap memory for all RocksDB stores of the process. */
    public static final String TOTAL_BYTES_CONFIG = "gleaner.rocksdb.total.bytes";
    /** Streams configuration key: bytes of {@link #TOTAL_BYTES_CONFIG} that memtables may take. */
    public static final String MEMTABLE_BYTES_CONFIG = "gleaner.rocksdb.memtable.bytes";
    static final long DEFAULT_TOTAL_BYTES = 32L << 20;
    static final long DEFAULT_MEMTABLE_BYTES = 8L << 20;
    /** Share of the cache kept for index and filter blocks, so data blocks cannot evict them. */
    private static final double INDEX_AND_FILTER_SHARE = 0.1;
    /** Memtables per store: one being written and one being flushed. */
    private static final int MEMTABLES_PER_STORE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(BoundedRocksDbMemory.class);
    private static Budget budget;

    /** The process's shared cache and write-buffer manager, with the sizes they were made with. */
    record Budget(long totalBytes, long memtableBytes, Cache cache, WriteBufferManager writeBuffers) {}

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Budget shared = budget(bytes(configs, TOTAL_BYTES_CONFIG, DEFAULT_TOTAL_BYTES),
                bytes(configs, MEMTABLE_BYTES_CONFIG, DEFAULT_MEMTABLE_BYTES));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBuffers());
        // Small memtables: the manager flushes one when their sum reaches the limit, and a memtable
        // allocates its arena in blocks of an eighth of its size.
        options.setWriteBufferSize(Math.min(options.writeBufferSize(), shared.memtableBytes() / 4));
        options.setMaxWriteBufferNumber(MEMTABLES_PER_STORE);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write-buffer manager are shared by every store and live as long as the process.
    }

    /** The process's budget, made on the first call; a later call asking for other sizes is logged and gets it. */
    static synchronized Budget budget(long totalBytes, long memtableBytes) {
        if (memtableBytes >= totalBytes) {
            throw new IllegalArgumentException(MEMTABLE_BYTES_CONFIG + " (" + memtableBytes + ") must be less than "
                    + TOTAL_BYTES_CONFIG + " (" + totalBytes + "): memtables are charged to the same cache");
        }
        if (budget == null) {
            Cache cache = new LRUCache(totalBytes, -1, false, INDEX_AND_FILTER_SHARE);
            budget = new Budget(totalBytes, memtableBytes, cache, new WriteBufferManager(memtableBytes, cache));
            LOG.info("RocksDB state stores share {} MiB off-heap, memtables up to {} MiB of it ({}, {})",
                    totalBytes >> 20, memtableBytes >> 20, TOTAL_BYTES_CONFIG, MEMTABLE_BYTES_CONFIG);
        } else if (budget.totalBytes() != totalBytes || budget.memtableBytes() != memtableBytes) {
            LOG.warn("RocksDB budget of {} / {} bytes asked for, but this process already shares {} / {} bytes;"
                    + " the budget is per process", totalBytes, memtableBytes, budget.totalBytes(), budget.memtableBytes());
        }
        return budget;
    }

    /**
     * A positive byte count from {@code configs} (a number, or its decimal string as a properties
     * file gives it), or {@code fallback} when absent.
     */
    static long bytes(Map<String, Object> configs, String key, long fallback) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        long bytes;
        try {
            bytes = value instanceof Number number ? number.longValue() : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + value + "'; give a number of bytes, e.g. 33554432", e);
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException(key + " is " + bytes + "; it must be a positive number of bytes");
        }
        return bytes;
    }
}
