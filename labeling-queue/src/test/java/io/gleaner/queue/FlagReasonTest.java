package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FlagReasonTest {
    @Test
    void labelersGiveEveryReasonButTheQueuesOwn() {
        assertThat(FlagReason.labelerCodes())
                .containsExactly("unlabelable", "sensor_fault", "ambiguous_scene", "duplicate", "privacy", "other");
        assertThat(FlagReason.fromLabeler("sensor_fault")).isEqualTo(FlagReason.SENSOR_FAULT);
        assertThatThrownBy(() -> FlagReason.fromLabeler("no_consensus"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason 'no_consensus' is unknown");
        assertThatThrownBy(() -> FlagReason.fromLabeler("boring"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use one of [unlabelable");
    }
}
