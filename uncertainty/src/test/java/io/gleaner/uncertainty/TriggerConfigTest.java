package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerConfigTest {

    @Test
    void parsesAThresholdAndATopRateTrigger() {
        assertThat(TriggerConfig.parse("unsure=entropy,threshold=0.6")).isEqualTo(
                new TriggerConfig("unsure", TriggerFunction.ENTROPY, new TriggerRule.Threshold(0.6), 1.0));
        assertThat(TriggerConfig.parse("surprise=action-surprise,top=0.02,min-observations=200,weight=0.05"))
                .isEqualTo(new TriggerConfig("surprise", TriggerFunction.ACTION_SURPRISE,
                        new TriggerRule.TopRate(0.02, 200), 0.05));
        assertThat(TriggerConfig.parse("novel=novelty,top=0.005").rule())
                .isEqualTo(new TriggerRule.TopRate(0.005, 199));
    }

    @Test
    void malformedSpecsSayWhatIsWrongAndTheForm() {
        assertThatThrownBy(() -> TriggerConfig.parse("entropy")).hasMessageContaining("has no NAME=")
                .hasMessageContaining("the form is NAME=FUNCTION,threshold=VALUE");
        assertThatThrownBy(() -> TriggerConfig.parse("x=entropy")).hasMessageContaining("give exactly one of threshold= and top=");
        assertThatThrownBy(() -> TriggerConfig.parse("x=entropy,threshold=0.5,top=0.1"))
                .hasMessageContaining("exactly one of");
        assertThatThrownBy(() -> TriggerConfig.parse("x=entropy,threshold=high")).hasMessageContaining("threshold 'high' is not a number");
        assertThatThrownBy(() -> TriggerConfig.parse("x=entropy,colour=red")).hasMessageContaining("unknown setting 'colour'");
        assertThatThrownBy(() -> TriggerConfig.parse("x=bald,top=0.1")).hasMessageContaining("unknown acquisition function 'bald'")
                .hasMessageContaining("action-surprise");
    }

    @Test
    void namesWeightsAndRulesAreValidated() {
        TriggerRule.Threshold half = new TriggerRule.Threshold(0.5);
        assertThatThrownBy(() -> new TriggerConfig("Bad Name", TriggerFunction.ENTROPY, half))
                .hasMessageContaining("trigger name 'Bad Name' is not allowed");
        assertThatThrownBy(() -> new TriggerConfig(SelectionPolicy.COMBINED, TriggerFunction.ENTROPY, half))
                .hasMessageContaining("is taken by the combined selection policy");
        assertThatThrownBy(() -> new TriggerConfig("x", TriggerFunction.ENTROPY, half, 0.0))
                .hasMessageContaining("trigger x: weight is 0.0");
        assertThatThrownBy(() -> new TriggerRule.TopRate(1.0)).hasMessageContaining("top rate is 1.0");
        assertThatThrownBy(() -> new TriggerRule.TopRate(0.1, 4)).hasMessageContaining("minimum observations is 4");
        assertThatThrownBy(() -> new TriggerRule.Threshold(Double.NaN)).hasMessageContaining("threshold is NaN");
    }

    @Test
    void selectionRejectsTwoTriggersOfOneName() {
        TriggerConfig one = TriggerConfig.parse("x=entropy,threshold=0.5");
        TriggerConfig two = TriggerConfig.parse("x=margin,threshold=0.5");
        assertThatThrownBy(() -> SelectionConfig.defaults().withTriggers(List.of(one, two)))
                .hasMessage("selection.trigger x is configured twice; give each trigger its own name");
    }
}
