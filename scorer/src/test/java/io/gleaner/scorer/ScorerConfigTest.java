package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScorerConfigTest {
    @Test
    void maxBufferedFramesDefaultsAndIsValidatedAgainstTheBatchSize() {
        assertThat(ScorerConfig.defaults().maxBufferedFrames()).isEqualTo(ScorerConfig.DEFAULT_MAX_BUFFERED_FRAMES);
        assertThat(new ScorerConfig("m", 8, Duration.ofMillis(10)).maxBufferedFrames()).isEqualTo(50_000);
        assertThatThrownBy(() -> new ScorerConfig("m", 64, Duration.ofMillis(10), 63))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scorer.max-buffered-frames is 63").hasMessageContaining("scorer.batch-size (64)");
    }
}
