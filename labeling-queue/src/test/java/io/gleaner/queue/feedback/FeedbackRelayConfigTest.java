package io.gleaner.queue.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FeedbackRelayConfigTest {
    @Test
    void theDefaultsAreValid() {
        FeedbackRelayConfig defaults = FeedbackRelayConfig.defaults();
        assertThat(defaults.transactionalId()).isEqualTo(FeedbackRelayConfig.DEFAULT_TRANSACTIONAL_ID);
        assertThat(defaults.pageSize()).isEqualTo(500);
        assertThat(defaults.errorRule()).isEqualTo(ModelErrorRule.defaults());
    }

    @Test
    void badValuesAreRefusedSayingWhatToGive() {
        ModelErrorRule rule = ModelErrorRule.defaults();
        assertThatThrownBy(() -> new FeedbackRelayConfig(" ", 10, Duration.ofSeconds(1), rule))
                .hasMessageContaining("transactional id is blank");
        assertThatThrownBy(() -> new FeedbackRelayConfig("t", 0, Duration.ofSeconds(1), rule))
                .hasMessageContaining("page size is 0");
        assertThatThrownBy(() -> new FeedbackRelayConfig("t", 10, Duration.ZERO, rule))
                .hasMessageContaining("interval is PT0S");
    }
}
