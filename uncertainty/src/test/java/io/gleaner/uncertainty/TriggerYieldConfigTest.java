package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TriggerYieldConfigTest {

    @Test
    void defaultsRememberCountedFramesForThirtyDays() {
        assertThat(TriggerYieldConfig.defaults().feedbackDedupRetention()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void aRetentionThatIsNotPositiveIsRefusedWithTheSettingsName() {
        assertThatThrownBy(() -> TriggerYieldConfig.defaults().withFeedbackDedupRetention(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("selection.yield.feedback-dedup-retention is PT0S; it must be positive, e.g. PT720H");
        assertThatThrownBy(() -> TriggerYieldConfig.defaults().withFeedbackDedupRetention(Duration.ofHours(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withFeedbackDedupRetentionKeepsTheBanditSettings() {
        TriggerYieldConfig changed = new TriggerYieldConfig(false, 0.3, 100, 9L, Duration.ofDays(1))
                .withFeedbackDedupRetention(Duration.ofHours(6));
        assertThat(changed).isEqualTo(new TriggerYieldConfig(false, 0.3, 100, 9L, Duration.ofHours(6)));
    }
}
