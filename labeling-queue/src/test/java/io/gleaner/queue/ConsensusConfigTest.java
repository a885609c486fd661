package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsensusConfigTest {
    private final ConsensusConfig twoOfThree = new ConsensusConfig(2, 3, 0.1f, 0.2f);

    @Test
    void labelsAgreeOnTheSameSceneWithinBothTolerances() {
        Label base = new Label("debris", 0.0f, -0.5f);

        assertThat(twoOfThree.agree(base, new Label("debris", 0.1f, -0.3f))).isTrue();
        assertThat(twoOfThree.agree(base, new Label("debris", -0.1f, -0.7f))).isTrue();
        assertThat(twoOfThree.agree(base, new Label("debris", 0.15f, -0.5f))).as("steering off by 0.15").isFalse();
        assertThat(twoOfThree.agree(base, new Label("debris", 0.0f, -0.75f))).as("acceleration off by 0.25").isFalse();
        assertThat(twoOfThree.agree(base, new Label("clear_road", 0.0f, -0.5f))).as("other scene").isFalse();
    }

    @Test
    void defaultsMakeTheFirstLabelFinal() {
        assertThat(ConsensusConfig.defaults().labelsRequired()).isEqualTo(1);
        assertThat(ConsensusConfig.defaults().maxLabels()).isEqualTo(1);
    }

    @Test
    void rejectsCountsOutsideOneToTenOrAMaxBelowTheRequired() {
        assertThatThrownBy(() -> ConsensusConfig.agreeing(0, 1)).hasMessageContaining("labels required is 0");
        assertThatThrownBy(() -> ConsensusConfig.agreeing(11, 11)).hasMessageContaining("must be 1 .. 10");
        assertThatThrownBy(() -> ConsensusConfig.agreeing(3, 2)).hasMessageContaining("max labels is 2, must be 3");
        assertThatThrownBy(() -> new ConsensusConfig(1, 1, Float.NaN, 0f)).hasMessageContaining("steering tolerance");
        assertThatThrownBy(() -> new ConsensusConfig(1, 1, 0f, 2.5f)).hasMessageContaining("acceleration tolerance");
    }
}
