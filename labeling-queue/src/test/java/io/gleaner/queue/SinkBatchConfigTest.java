package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SinkBatchConfigTest {
    @Test
    void theDefaultsWriteFiveHundredEdgeCasesOrWhatCameInAHundredMilliseconds() {
        assertThat(SinkBatchConfig.defaults()).isEqualTo(new SinkBatchConfig(500, Duration.ofMillis(100)));
    }

    @Test
    void aBatchSizeOrDelayOutOfRangeIsRefusedWithTheRange() {
        assertThat(new SinkBatchConfig(1, Duration.ofMillis(1)).maxEdgeCases()).isEqualTo(1);
        assertThat(new SinkBatchConfig(SinkBatchConfig.MAX_EDGE_CASES, SinkBatchConfig.MAX_DELAY).maxDelay())
                .isEqualTo(SinkBatchConfig.MAX_DELAY);
        assertThatThrownBy(() -> new SinkBatchConfig(0, Duration.ofMillis(100)))
                .hasMessageContaining("batch size is 0, must be 1..10000");
        assertThatThrownBy(() -> new SinkBatchConfig(SinkBatchConfig.MAX_EDGE_CASES + 1, Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SinkBatchConfig(500, Duration.ZERO))
                .hasMessageContaining("must be positive and at most PT10S");
        assertThatThrownBy(() -> new SinkBatchConfig(500, Duration.ofSeconds(11)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
