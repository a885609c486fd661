package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RetrainConfigTest {

    @Test
    void byDefaultARunUsesAtMostTheTwentyThousandMostRecentLabels() {
        assertThat(RetrainConfig.defaults().maxTrainingLabels()).isEqualTo(20_000);
        assertThat(RetrainConfig.defaults().withMaxTrainingLabels(30).maxTrainingLabels()).isEqualTo(30);
    }

    @Test
    void aCapBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> RetrainConfig.defaults().withMaxTrainingLabels(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retrain.max-training-labels is 0");
    }

    @Test
    void theNewLabelsThresholdIsTheTriggersAndZeroTurnsItOffWhileAnotherTriggerIsOn() {
        RetrainConfig config = RetrainConfig.defaults().withMinNewLabels(0);

        assertThat(config.minNewLabels()).isZero();
        assertThat(config.triggers().minNewLabels()).isZero();
        assertThat(config.triggers().manual()).isTrue();
        assertThatThrownBy(() -> config.withTriggers(config.triggers().withManual(false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("every retrain trigger is off");
    }
}
