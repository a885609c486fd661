package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamedTriggersTest {
    private static final float[] SURE = {1f, 0f};

    /** Prediction (0, 0), human steering {@code humanSteer}, spreads as given, novelty 0. */
    private static FrameOutputs frame(float humanSteer, float spread) {
        return new FrameOutputs(SURE, 0f, 0f, humanSteer, 0f, spread, spread, 0f, "m-1", new float[0]);
    }

    /** A quiet frame of model {@code version} with {@code embedding}. */
    private static FrameOutputs embedded(String version, float... embedding) {
        return new FrameOutputs(SURE, 0f, 0f, 0f, 0f, 0f, 0f, 0f, version, embedding);
    }

    @Test
    void aThresholdTriggerFiresAtOrAboveItsValueAndGivesWeightTimesScoreAsPriority() {
        NamedTriggers triggers = new NamedTriggers(List.of(new TriggerConfig("surprised",
                TriggerFunction.ACTION_SURPRISE, new TriggerRule.Threshold(4.0), 0.25)), 0.05);
        // |0.2 − 0| / max(0, 0.05) = 4: at the threshold, so it fires; priority 0.25·4 = 1
        NamedTriggers.Evaluation at = triggers.evaluate(frame(0.2f, 0f));
        assertThat(at.fired()).singleElement().satisfies(fired -> {
            assertThat(fired.name()).isEqualTo("surprised");
            assertThat(fired.score()).isCloseTo(4.0, within(1e-6));
            assertThat(fired.threshold()).isEqualTo(4.0);
        });
        assertThat(at.priority()).isCloseTo(1.0, within(1e-6));
        // the same error with spread 0.1 is 0.2 / 0.1 = 2 standard deviations: an unsure model, no trigger
        NamedTriggers.Evaluation unsure = triggers.evaluate(frame(0.2f, 0.1f));
        assertThat(unsure.anyFired()).isFalse();
        assertThat(unsure.priority()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void aTopRateTriggerWaitsForItsObservationsThenComparesAgainstTheEstimateBeforeAddingTheScore() {
        NamedTriggers triggers = new NamedTriggers(List.of(new TriggerConfig("top-half",
                TriggerFunction.ACTION_DISAGREEMENT, new TriggerRule.TopRate(0.5, 5))), 0.05);
        // disagreement = |steering| / 2√2; five warm-up frames never fire, however high
        for (float steer : new float[] {0.1f, 0.2f, 0.3f, 0.4f, 1.0f}) {
            assertThat(triggers.evaluate(frame(steer, 0f)).anyFired()).isFalse();
        }
        // the exact median of five, at rank (5 + 1) · 0.5 = 3, is the third smallest: 0.3 / 2√2 = 0.10607
        double median = 0.3f / (2 * Math.sqrt(2));
        assertThat(triggers.estimators().get("top-half").estimate()).isCloseTo(median, within(1e-7));
        NamedTriggers.Evaluation above = triggers.evaluate(frame(0.35f, 0f));
        assertThat(above.fired()).singleElement().satisfies(fired -> {
            assertThat(fired.threshold()).isCloseTo(median, within(1e-7));
            assertThat(fired.score()).isCloseTo(0.35f / (2 * Math.sqrt(2)), within(1e-7));
        });
        assertThat(triggers.estimators().get("top-half").count()).isEqualTo(6);
    }

    @Test
    void equalScoresNeverFireATopRateTrigger() {
        // novelty is 0 for every frame today: strictly-above keeps the trigger silent instead of firing on all
        NamedTriggers triggers = new NamedTriggers(List.of(new TriggerConfig("novel",
                TriggerFunction.NOVELTY, new TriggerRule.TopRate(0.1, 5))), 0.05);
        for (int i = 0; i < 50; i++) {
            assertThat(triggers.evaluate(frame(0f, 0f)).anyFired()).isFalse();
        }
    }

    @Test
    void aStoredEstimateIsKeptOnlyWhileItsRateIsUnchanged() {
        WarmStartQuantile stored = new WarmStartQuantile(0.9, 100);
        for (int i = 0; i < 10; i++) {
            stored.add(i);
        }
        TriggerConfig sameRate = new TriggerConfig("t", TriggerFunction.NOVELTY, new TriggerRule.TopRate(0.1, 5));
        TriggerConfig newRate = new TriggerConfig("t", TriggerFunction.NOVELTY, new TriggerRule.TopRate(0.2, 5));
        // 1 − 0.1 is 0.9 exactly in doubles, so the stored estimate matches
        assertThat(new NamedTriggers(List.of(sameRate), 0.05, Map.of("t", stored), null).estimators().get("t")).isSameAs(stored);
        assertThat(new NamedTriggers(List.of(newRate), 0.05, Map.of("t", stored), null).estimators().get("t").count()).isZero();
    }

    @Test
    void embeddingNoveltyIsTheDistanceToTheKthNearestRecentEmbeddingOfTheSameModel() {
        NamedTriggers triggers = new NamedTriggers(List.of(TriggerConfig.parse("unlike=embedding-novelty,threshold=0.5")), 0.05);
        // the first frame has nothing to compare with: no score, no firing; the next four are at distance 0
        for (int i = 0; i < 5; i++) {
            assertThat(triggers.evaluate(embedded("m-1", 1f, 0f)).anyFired()).isFalse();
        }
        // (0, 1) against five (1, 0): the 5th nearest is at 1 − 0 = 1
        NamedTriggers.Evaluation unlike = triggers.evaluate(embedded("m-1", 0f, 1f));
        assertThat(unlike.fired()).singleElement().satisfies(fired -> {
            assertThat(fired.score()).isEqualTo(1.0);
            assertThat(fired.threshold()).isEqualTo(0.5);
        });
        assertThat(triggers.lastReferenceSlot()).isEqualTo(5);
        assertThat(triggers.reference().embeddings().added()).isEqualTo(6);
        // a new model embeds into a new space: the set starts again, so the same frame has no score
        assertThat(triggers.evaluate(embedded("m-2", 0f, 1f)).anyFired()).isFalse();
        assertThat(triggers.referenceRestarted()).isTrue();
        assertThat(triggers.reference().embeddings().added()).isEqualTo(1);
        // a frame without a usable embedding (none, or the zero vector) is skipped and not added
        assertThat(triggers.evaluate(embedded("m-2", 0f, 0f)).anyFired()).isFalse();
        assertThat(triggers.lastReferenceSlot()).isEqualTo(-1);
    }
}
