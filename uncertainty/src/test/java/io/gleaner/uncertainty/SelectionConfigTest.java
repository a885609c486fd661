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
        assertThatThrownBy(() -> new SelectionConfig(0.0, 500, 0.3, 0.7, 50)).hasMessageContaining("selection.keep-fraction is 0.0");
        assertThatThrownBy(() -> new SelectionConfig(1.5, 500, 0.3, 0.7, 50)).hasMessageContaining("selection.keep-fraction");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 9, 0.3, 0.7, 5)).hasMessageContaining("selection.window-size is 9");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, -0.1, 0.7, 50)).hasMessageContaining("selection.entropy-weight");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, Double.NaN, 50)).hasMessageContaining("selection.action-weight");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.0, 0.0, 50)).hasMessageContaining("both 0");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 501)).hasMessageContaining("selection.min-window is 501");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 0)).hasMessageContaining("selection.min-window is 0");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 50, 1.2, 0.15)).hasMessageContaining("selection.entropy-threshold");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 50, 0.6, -1)).hasMessageContaining("selection.action-threshold");
    }

    @Test
    void windowSizeIsCappedAndTheErrorNamesTheSetting() {
        assertThat(new SelectionConfig(0.1, SelectionConfig.MAX_WINDOW_SIZE, 0.3, 0.7, 50).windowSize()).isEqualTo(100_000);
        assertThatThrownBy(() -> new SelectionConfig(0.1, 100_001, 0.3, 0.7, 50))
                .hasMessage("selection.window-size is 100001; it must be within [10, 100000] scores"
                        + " (the window is sorted once per frame)");
    }

    @Test
    void errorsNameSettingsInKebabCaseLikeIngest() {
        assertThatThrownBy(() -> new SelectionConfig(0.0, 500, 0.3, 0.7, 50))
                .hasMessage("selection.keep-fraction is 0.0; it must be in (0, 1], e.g. 0.10 to keep one frame in ten");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.3, 0.7, 501))
                .hasMessage("selection.min-window is 501; it must be in [1, selection.window-size=500]");
        assertThatThrownBy(() -> new SelectionConfig(0.1, 500, 0.0, 0.0, 50))
                .hasMessageStartingWith("selection.entropy-weight and selection.action-weight are both 0");
    }

    @Test
    void defaultsAddTheSurpriseAndNoveltyTriggersAndLeaveDedupAndBudgetsOff() {
        SelectionConfig defaults = SelectionConfig.defaults();
        assertThat(defaults.triggers()).extracting(TriggerConfig::name).containsExactly("action-surprise", "embedding-novelty");
        assertThat(defaults.triggers()).extracting(TriggerConfig::rule).containsOnly(new TriggerRule.TopRate(0.02));
        assertThat(defaults.actionSpreadFloor()).isEqualTo(0.05);
        assertThat(defaults.duplicates().enabled()).isFalse();
        assertThat(defaults.budget().enabled()).isFalse();
        assertThat(defaults.withTriggers(java.util.List.of()).triggers()).isEmpty();
    }

    @Test
    void theSpreadFloorMustBeAboveZero() {
        SelectionConfig d = SelectionConfig.defaults();
        assertThatThrownBy(() -> new SelectionConfig(d.keepFraction(), d.windowSize(), d.entropyWeight(), d.actionWeight(),
                d.minWindow(), d.entropyThreshold(), d.actionThreshold(), 0.0, d.triggers(), d.duplicates(), d.budget(),
                d.flicker(), d.yield()))
                .hasMessage("selection.action-spread-floor is 0.0; it must be a finite number above 0, e.g. 0.05");
    }

    @Test
    void keepingEverythingIsAllowed() {
        assertThat(new SelectionConfig(1.0, 10, 0.0, 1.0, 10).keepFraction()).isEqualTo(1.0);
    }
}
