package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdgeCaseJsonTest {
    @Test
    void sceneProbabilitiesMapEachClassToItsProbabilityInClassOrder() {
        ScoredFrame scored = EdgeCases.edgeCase("f-1", 1.0).getScored();

        assertThat(EdgeCaseJson.sceneProbabilities(scored))
                .isEqualTo("{\"clear_road\":0.25,\"pedestrian_crossing\":0.75}");
    }

    @Test
    void floatProbabilitiesKeepTheirShortDecimalForm() {
        ScoredFrame scored = ScoredFrame.newBuilder()
                .addSceneClasses("clear_road").addSceneProbabilities(0.7f)
                .addSceneClasses("stopped_vehicle").addSceneProbabilities(0.3f)
                .build();

        assertThat(EdgeCaseJson.sceneProbabilities(scored))
                .isEqualTo("{\"clear_road\":0.7,\"stopped_vehicle\":0.3}");
    }

    @Test
    void classesWithoutMatchingProbabilitiesAreRejected() {
        ScoredFrame scored = ScoredFrame.newBuilder()
                .addSceneClasses("clear_road").addSceneClasses("stopped_vehicle")
                .addSceneProbabilities(1f)
                .build();

        assertThatThrownBy(() -> EdgeCaseJson.sceneProbabilities(scored))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 scene classes but 1 probabilities");
    }

    @Test
    void triggersBecomeAnArrayOfNameScoreThreshold() {
        List<Trigger> triggers = List.of(
                Trigger.newBuilder().setName("entropy").setScore(0.9).setThreshold(0.5).build(),
                Trigger.newBuilder().setName("action_disagreement").setScore(0.25).setThreshold(0.125).build());

        assertThat(EdgeCaseJson.triggers(triggers)).isEqualTo(
                "[{\"name\":\"entropy\",\"score\":0.9,\"threshold\":0.5},"
                        + "{\"name\":\"action_disagreement\",\"score\":0.25,\"threshold\":0.125}]");
    }

    @Test
    void noTriggersIsAnEmptyArray() {
        assertThat(EdgeCaseJson.triggers(List.of())).isEqualTo("[]");
    }
}
