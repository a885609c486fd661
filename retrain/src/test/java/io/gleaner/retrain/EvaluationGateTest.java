package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gate with two real models: one trained on the evaluation frames themselves, one untrained. */
class EvaluationGateTest {
    private static final List<LabeledExample> HELD_OUT = DrivingScenes.labeled("gate", 48, 9L);
    private static final EvaluationGate GATE = EvaluationGate.defaults();

    private static DrivingModel good;
    private static DrivingModel untrained;

    @BeforeAll
    static void trainTheGoodModel() {
        good = DrivingModel.create(DrivingScenes.spec(), 21L);
        TrainingLoop.fit(good, FineTuner.toTrainingExamples(good, HELD_OUT), new TrainingConfig(8, 16, 3e-3f, 21L, 5, 1f));
        untrained = DrivingModel.create(DrivingScenes.spec(), 22L);
    }

    @AfterAll
    static void close() {
        good.close();
        untrained.close();
    }

    @Test
    void aWorseCandidateIsNeverPromoted() {
        GateDecision decision = GATE.decide(good, untrained, HELD_OUT);

        assertThat(decision.promote()).isFalse();
        assertThat(decision.candidateMetrics().get(EvaluationGate.ACTION_MAE))
                .isGreaterThan(decision.liveMetrics().get(EvaluationGate.ACTION_MAE));
        assertThat(decision.reason()).contains("is worse than").contains("48 held-out labels");
    }

    @Test
    void aBetterCandidateIsPromoted() {
        GateDecision decision = GATE.decide(untrained, good, HELD_OUT);

        assertThat(decision.promote()).isTrue();
        assertThat(decision.reason()).contains("beats");
    }

    /**
     * Held-out labels are harvested frames; a candidate can win there and still drive the fleet's
     * ordinary frames worse. The golden set (here: the same images with the opposite actions, which
     * the trained model gets more wrong than the untrained one) must veto it.
     */
    @Test
    void aCandidateBetterOnHeldOutLabelsButWorseOnTheGoldenSetIsRejected() {
        List<LabeledExample> golden = HELD_OUT.stream()
                .map(e -> new LabeledExample(e.labelId(), e.taskId(), e.frameId(), e.imageEncoding(), e.width(),
                        e.height(), e.imageBytes(), e.scene(), -e.steering(), -e.acceleration()))
                .toList();

        GateDecision decision = GATE.decide(untrained, good, HELD_OUT, golden);

        assertThat(GATE.decide(untrained, good, HELD_OUT).promote()).as("without the golden set").isTrue();
        assertThat(decision.promote()).isFalse();
        assertThat(decision.candidateMetrics().get(EvaluationGate.GOLDEN_ACTION_MAE))
                .isGreaterThan(decision.liveMetrics().get(EvaluationGate.GOLDEN_ACTION_MAE) * 1.05);
        assertThat(decision.reason()).contains("48-frame golden set").contains("regresses from");
        assertThat(decision.regressedOnGoldenSetOnly()).as("a shorter step may pass").isTrue();
        assertThat(GATE.decide(good, untrained, HELD_OUT, golden).regressedOnGoldenSetOnly())
                .as("worse on the held-out labels: the golden set is not asked").isFalse();
    }

    @Test
    void aCandidateNoWorseOnTheGoldenSetIsPromoted() {
        GateDecision decision = GATE.decide(untrained, good, HELD_OUT, HELD_OUT);

        assertThat(decision.promote()).isTrue();
        assertThat(decision.reason()).contains("is within");
    }

    @Test
    void anEqualCandidateIsPromoted() {
        GateDecision decision = GATE.decide(good, good, HELD_OUT);

        assertThat(decision.promote()).isTrue();
        assertThat(decision.reason()).contains("equals");
    }

    @Test
    void aCandidateMustBeatTheLiveModelByTheMargin() {
        GateDecision plain = GATE.decide(untrained, good, HELD_OUT);
        double gain = plain.liveMetrics().get(EvaluationGate.ACTION_MAE)
                - plain.candidateMetrics().get(EvaluationGate.ACTION_MAE);

        GateDecision underTheMargin = GATE.withMargin(gain + 0.01).decide(untrained, good, HELD_OUT);
        GateDecision overTheMargin = GATE.withMargin(gain / 2).decide(untrained, good, HELD_OUT);

        assertThat(gain).isPositive();
        assertThat(underTheMargin.promote()).isFalse();
        assertThat(underTheMargin.reason()).contains("beats by less than the margin");
        assertThat(overTheMargin.promote()).isTrue();
        assertThat(overTheMargin.reason()).contains("beats by at least the margin");
        assertThat(GATE.withMargin(0.001).decide(good, good, HELD_OUT).promote()).as("an equal one").isFalse();
        assertThatThrownBy(() -> GATE.withMargin(-0.01)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("gate.margin is -0.01; it must be in [0, 1)");
    }

    /**
     * Regression: with too few held-out labels the gate used to judge on the training labels, which
     * a candidate has learned, so an overfit candidate could go live. Behaviour change: it now rejects.
     */
    @Test
    void withTooFewHeldOutLabelsEvenABetterCandidateIsNotPromoted() {
        List<LabeledExample> threeHeldOut = HELD_OUT.subList(0, 3);

        GateDecision decision = GATE.decide(untrained, good, threeHeldOut);

        assertThat(decision.promote()).isFalse();
        assertThat(decision.reason()).contains("only 3 usable held-out labels").contains("gate.min-held-out 5");
    }

    @Test
    void anUndecodableHeldOutImageIsSkippedNotFatal() {
        List<LabeledExample> withBroken = new ArrayList<>(HELD_OUT.subList(0, 6));
        LabeledExample first = withBroken.get(0);
        withBroken.add(new LabeledExample(999, 999, "broken", "IMAGE_ENCODING_PNG", 64, 64, new byte[] {1, 2, 3},
                first.scene(), 0f, 0f));

        GateDecision decision = GATE.decide(untrained, good, withBroken);

        assertThat(decision.candidateMetrics().get(EvaluationGate.EXAMPLES)).isEqualTo(6.0);
        assertThat(decision.reason()).contains("on 6 held-out labels");
    }

    @Test
    void actionErrorIsTheMeanOfHalfTheSummedAbsoluteErrors() {
        List<LabeledExample> two = HELD_OUT.subList(0, 2);
        List<Prediction> predictions = good.predict(two.stream()
                .map(e -> good.preprocess(LabeledImages.imageOf(e)))
                .toList());
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            expected += (Math.abs(predictions.get(i).steering() - two.get(i).steering())
                    + Math.abs(predictions.get(i).acceleration() - two.get(i).acceleration())) / 2 / 2;
        }

        assertThat(EvaluationGate.evaluate(good, two).get(EvaluationGate.ACTION_MAE)).isCloseTo(expected, within(1e-6));
    }
}
