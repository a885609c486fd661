package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SelectionConfigTest {

    @Test
    void defaultsMatchTheContract() {
        assertThat(SelectionConfig.defaults()).isEqualTo(new SelectionConfig(0.10, 500, 0.3, 0.7, 50, 0.6, 0.15));
    }

    @Test
    void eachInvalidFieldIsNamed() {
        assertThatThrownBy(() -> new SelectionConfig(0.0, 500, 0.3, 0.7, 50)).hasMessageContaining("selection.keepFraction is 0.0");
        assertThatThrownBy(() -> new SelectionConfig(1.5, 500, 0.3, 0.7, 50)).hasMessageContaining("selection.keepFraction");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 9, 0.3, 0.7, 5)).hasMessageContaining("selection.windowSize is 9");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, -0.1, 0.7, 50)).hasMessageContaining("selection.entropyWeight");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, Double.NaN, 50)).hasMessageContaining("selection.actionWeight");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.0, 0.0, 50)).hasMessageContaining("both 0");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 501)).hasMessageContaining("selection.minWindow is 501");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 0)).hasMessageContaining("selection.minWindow is 0");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 50, 1.2, 0.15)).hasMessageContaining("selection.entropyThreshold");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 50, 0.6, -1)).hasMessageContaining("selection.actionThreshold");
    }

    @Test
    void keepingEverythingIsAllowed() {
        assertThat(new SelectionConfig(1.0, 10, 0.0, 1.0, 10).keepFraction()).isEqualTo(1.0);
    }
}
