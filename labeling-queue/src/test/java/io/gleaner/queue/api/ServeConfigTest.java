package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.ConsensusConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServeConfigTest {
    private static ServeConfig with(String host, int port, int bytes, Duration lease, Duration max, int threads) {
        return new ServeConfig(host, port, bytes, lease, max, threads, ConsensusConfig.defaults(),
                ServeConfig.DEFAULT_LEASE_SWEEP_EVERY, ServeConfig.DEFAULT_LEASE_SWEEP_GRACE, 1);
    }

    @Test
    void defaultsAreLocalAndValid() {
        ServeConfig config = ServeConfig.defaults();

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.maxRequestBytes()).isEqualTo(65_536);
        assertThat(config.withPort(0).port()).isZero();
    }

    @Test
    void rejectsValuesThatCannotWorkAndNamesTheFlag() {
        Duration five = Duration.ofMinutes(5);
        Duration hour = Duration.ofHours(1);
        assertThatThrownBy(() -> with(" ", 80, 65_536, five, hour, 4)).hasMessageContaining("--host");
        assertThatThrownBy(() -> with("h", 70_000, 65_536, five, hour, 4)).hasMessageContaining("--port");
        assertThatThrownBy(() -> with("h", 80, 100, five, hour, 4)).hasMessageContaining("--max-request-bytes");
        assertThatThrownBy(() -> with("h", 80, 65_536, Duration.ofHours(2), hour, 4)).hasMessageContaining("--lease");
        assertThatThrownBy(() -> with("h", 80, 65_536, five, Duration.ofDays(2), 4)).hasMessageContaining("--max-lease");
        assertThatThrownBy(() -> with("h", 80, 65_536, five, hour, 0)).hasMessageContaining("--threads");
        ServeConfig valid = ServeConfig.defaults();
        assertThatThrownBy(() -> valid.withLeaseSweep(Duration.ofMillis(10), Duration.ZERO))
                .hasMessageContaining("--lease-sweep-seconds");
        assertThatThrownBy(() -> valid.withLeaseSweep(Duration.ofSeconds(30), Duration.ofSeconds(-1)))
                .hasMessageContaining("--lease-grace-seconds");
        assertThatThrownBy(() -> valid.withBatchSlots(-1)).hasMessageContaining("--batch-slots");
        assertThatThrownBy(() -> valid.withBatchSlots(65)).hasMessageContaining("--batch-slots");
        assertThat(valid.withBatchSlots(0).batchSlots()).isZero();
    }
}
