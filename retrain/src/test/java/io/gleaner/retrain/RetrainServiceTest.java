package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure part of {@link RetrainService}: which share of the fine-tune's step a candidate keeps. */
class RetrainServiceTest {

    private static GateDecision passes(double heldOutError) {
        return new GateDecision(true, Map.of(EvaluationGate.ACTION_MAE, heldOutError), Map.of(), "passes");
    }

    private static GateDecision fails(double heldOutError) {
        return new GateDecision(false, Map.of(EvaluationGate.ACTION_MAE, heldOutError), Map.of(), "fails");
    }

    @Test
    void ofTheSharesThatPassTheOneWithTheLowestHeldOutErrorIsKept() {
        // The full step is best on held-out labels but fails the golden set; of the rest 0.3 does best.
        assertThat(RetrainService.chooseStep(List.of(fails(0.10), passes(0.14), passes(0.13), passes(0.16))))
                .isEqualTo(2);
    }

    @Test
    void theFullStepIsKeptWhenItPassesAndDoesBest() {
        assertThat(RetrainService.chooseStep(List.of(passes(0.11), passes(0.12), passes(0.13), passes(0.14))))
                .isZero();
    }

    @Test
    void onATieTheLargerShareIsKept() {
        assertThat(RetrainService.chooseStep(List.of(fails(0.09), passes(0.12), passes(0.12), passes(0.15))))
                .isEqualTo(1);
    }

    @Test
    void whenNoSharePassesNoneIsKept() {
        assertThat(RetrainService.chooseStep(List.of(fails(0.10), fails(0.11), fails(0.12), fails(0.13))))
                .isEqualTo(-1);
    }

    @Test
    void theGateTriesTheFullStepFirstAndOnlySharesOfIt() {
        assertThat(RetrainService.STEP_SHARES[0]).isEqualTo(1f);
        for (int i = 1; i < RetrainService.STEP_SHARES.length; i++) {
            assertThat(RetrainService.STEP_SHARES[i]).isPositive().isLessThan(RetrainService.STEP_SHARES[i - 1]);
        }
    }
}
