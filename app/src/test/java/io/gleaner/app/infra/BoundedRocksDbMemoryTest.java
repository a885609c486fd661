package io.gleaner.app.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.app.StreamsStage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;

class BoundedRocksDbMemoryTest {
    private static final String STORE = "bounded-test-store";

    @TempDir
    Path stateRoot;

    @Test
    void everyStoreReadsThroughTheSharedCacheAndChargesSmallMemtablesToIt() {
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            options.setWriteBufferSize(16L << 20);

            new BoundedRocksDbMemory().setConfig("any", options, Map.of());

            BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
            assertThat(options.writeBufferSize()).isEqualTo(BoundedRocksDbMemory.DEFAULT_MEMTABLE_BYTES / 4);
            assertThat(options.maxWriteBufferNumber()).isEqualTo(2);
        }
    }

    @Test
    void aStoreWrittenFarPastTheBudgetKeepsTheSharedCacheWithinIt() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled());
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .process(() -> new Processor<String, byte[], Void, Void>() {
                    private KeyValueStore<String, byte[]> store;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        store = context.getStateStore(STORE);
                    }

                    @Override
                    public void process(Record<String, byte[]> record) {
                        store.put(record.key(), record.value());
                    }
                }, STORE);
        Properties props = StreamsStage.properties("bounded-rocksdb-test", "unused:9092", stateRoot, false);
        assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDbMemory.class);

        long written = 0;
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("in", Serdes.String().serializer(),
                    Serdes.ByteArray().serializer());
            byte[] value = new byte[4096];
            // 64 MiB of distinct keys: twice the whole budget, eight times what memtables may hold.
            for (int i = 0; i < 16_384; i++) {
                value[i % value.length]++;
                in.pipeInput("key-" + i, value.clone());
                written += value.length;
            }
            BoundedRocksDbMemory.Budget budget = BoundedRocksDbMemory.budget(
                    BoundedRocksDbMemory.DEFAULT_TOTAL_BYTES, BoundedRocksDbMemory.DEFAULT_MEMTABLE_BYTES);
            assertThat(written).isGreaterThanOrEqualTo(2 * budget.totalBytes());
            assertThat(budget.cache().getUsage()).as("bytes the shared cache holds, memtables included")
                    .isPositive()
                    .isLessThanOrEqualTo(budget.totalBytes());
        }
    }

    @Test
    void budgetSizesComeFromTheStreamsConfigurationAndBadOnesAreRefusedByName() {
        assertThat(BoundedRocksDbMemory.bytes(Map.of(), BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, 7)).isEqualTo(7);
        assertThat(BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, " 1048576 "),
                BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, 7)).isEqualTo(1_048_576);
        assertThat(BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, 2048L),
                BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, 7)).isEqualTo(2048);

        assertThatThrownBy(() -> BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, "32MB"),
                BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gleaner.rocksdb.total.bytes is '32MB'");
        assertThatThrownBy(() -> BoundedRocksDbMemory.bytes(Map.of(BoundedRocksDbMemory.MEMTABLE_BYTES_CONFIG, "0"),
                BoundedRocksDbMemory.MEMTABLE_BYTES_CONFIG, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a positive number");
        assertThatThrownBy(() -> BoundedRocksDbMemory.budget(8L << 20, 8L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be less than");
    }
}
