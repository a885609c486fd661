package io.gleaner.queue.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.FinalLabel;
import io.gleaner.queue.FiredTrigger;
import io.gleaner.queue.Label;
import io.gleaner.schema.v1.LabelFeedback;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a final label shows the model wrong, and the feedback message made of it. */
class ModelErrorRuleTest {
    private static final ModelErrorRule RULE = ModelErrorRule.defaults();
    /** The model says pedestrian_crossing (0.75), steering 0.125, acceleration -0.5. */
    private static final Map<String, Double> PROBABILITIES = Map.of("clear_road", 0.25, "pedestrian_crossing", 0.75);

    @Test
    void theRightSceneAndAnActionWithinToleranceIsNoError() {
        assertThat(RULE.erred(label("pedestrian_crossing", 0.2f, -0.45f))).isFalse();
    }

    @Test
    void anotherSceneClassIsAnErrorWhateverTheAction() {
        assertThat(RULE.erred(label("clear_road", 0.125f, -0.5f))).isTrue();
    }

    @Test
    void aSteeringOrAccelerationBeyondItsToleranceIsAnError() {
        // |0.25 - 0.125| = 0.125 > 0.1; |-0.375 - -0.5| = 0.125 > 0.1
        assertThat(RULE.erred(label("pedestrian_crossing", 0.25f, -0.5f))).isTrue();
        assertThat(RULE.erred(label("pedestrian_crossing", 0.125f, -0.375f))).isTrue();
        assertThat(new ModelErrorRule(0.125f, 0.1f).erred(label("pedestrian_crossing", 0.25f, -0.5f)))
                .as("exactly at the tolerance is not beyond it").isFalse();
        assertThat(new ModelErrorRule(0.2f, 0.2f).erred(label("pedestrian_crossing", 0.25f, -0.375f))).isFalse();
    }

    @Test
    void equalProbabilitiesGoToTheAlphabeticallyFirstClassAndNoneJudgeTheActionAlone() {
        Map<String, Double> tie = new LinkedHashMap<>();
        tie.put("debris", 0.5);
        tie.put("clear_road", 0.5);
        assertThat(ModelErrorRule.mostProbableScene(tie)).isEqualTo("clear_road");
        assertThat(ModelErrorRule.mostProbableScene(Map.of())).isNull();
        FinalLabel noScenes = new FinalLabel(1, 1, "f", new Label("debris", 0.125f, -0.5f), Instant.EPOCH, "7",
                Map.of(), 0.125f, -0.5f, List.of());
        assertThat(RULE.erred(noScenes)).isFalse();
    }

    @Test
    void toleranceOutsideTheActionRangeIsRefusedSayingWhichPart() {
        assertThatThrownBy(() -> new ModelErrorRule(-0.1f, 0.1f)).hasMessageContaining("steering tolerance is -0.1");
        assertThatThrownBy(() -> new ModelErrorRule(0.1f, Float.NaN)).hasMessageContaining("acceleration tolerance is NaN");
    }

    @Test
    void theFeedbackNamesEachTriggerOnceWithTheFrameLabelAndVerdict() {
        FinalLabel label = new FinalLabel(42, 9, "frame-9", new Label("clear_road", 0f, 0f),
                Instant.ofEpochMilli(1_764_201_700_000L), "7", PROBABILITIES, 0.125f, -0.5f,
                List.of(new FiredTrigger("novelty", 0.9, 0.5), new FiredTrigger("entropy", 0.7, 0.6),
                        new FiredTrigger("novelty", 0.9, 0.5)));
        LabelFeedback feedback = LabelFeedbackRelay.feedback(label, RULE);
        assertThat(feedback.getFrameId()).isEqualTo("frame-9");
        assertThat(feedback.getTriggersList()).containsExactly("novelty", "entropy");
        assertThat(feedback.getModelErred()).isTrue();
        assertThat(feedback.getModelVersion()).isEqualTo("7");
        assertThat(feedback.getLabeledTimeMs()).isEqualTo(1_764_201_700_000L);
        assertThat(feedback.getLabelId()).isEqualTo(42);
    }

    private static FinalLabel label(String scene, float steering, float acceleration) {
        return new FinalLabel(1, 1, "frame-1", new Label(scene, steering, acceleration), Instant.EPOCH, "7",
                PROBABILITIES, 0.125f, -0.5f, List.of(new FiredTrigger("entropy", 0.9, 0.5)));
    }
}
