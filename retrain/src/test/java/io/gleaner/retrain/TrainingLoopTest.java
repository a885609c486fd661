package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingLoopTest {
    private static final TrainingConfig QUICK = new TrainingConfig(6, 16, 3e-3f, 11L, 5, 1f);

    private static List<TrainingExample> examples(DrivingModel model, int n) {
        return FineTuner.toTrainingExamples(model, DrivingScenes.labeled("train", n, 5L));
    }

    @Test
    void lossFallsWhenTheActionFollowsImageBrightness() {
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            TrainingReport report = TrainingLoop.fit(model, examples(model, 64), QUICK);

            assertThat(report.epochLosses()).hasSize(6);
            assertThat(report.lastEpochLoss()).isLessThan(0.5 * report.firstEpochLoss());
            assertThat(report.imagesPerSecond()).isPositive();
        }
    }

    @Test
    void theSameSeedGivesTheSameLosses() {
        TrainingConfig twoEpochs = QUICK.withEpochs(2);
        List<Double> first;
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            first = TrainingLoop.fit(model, examples(model, 32), twoEpochs).epochLosses();
        }
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            assertThat(TrainingLoop.fit(model, examples(model, 32), twoEpochs).epochLosses()).isEqualTo(first);
        }
    }

    @Test
    void examplesWithoutASceneStillTrainTheAction() {
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            List<TrainingExample> actionOnly = examples(model, 64).stream()
                    .map(e -> TrainingExample.actionOnly(e.input(), e.steering(), e.acceleration()))
                    .toList();

            TrainingReport report = TrainingLoop.fit(model, actionOnly, QUICK);

            assertThat(report.lastEpochLoss()).isLessThan(0.5 * report.firstEpochLoss());
        }
    }

    @Test
    void anInputOfTheWrongSizeIsRejectedBeforeTraining() {
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            List<TrainingExample> wrong = List.of(TrainingExample.actionOnly(new float[10], 0f, 0f));

            assertThatThrownBy(() -> TrainingLoop.fit(model, wrong, QUICK))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("10 floats")
                    .hasMessageContaining("3x64x64");
        }
    }

    @Test
    void aTargetOutsideTheActionRangeIsRejected() {
        assertThatThrownBy(() -> TrainingExample.actionOnly(new float[1], 1.5f, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.5");
    }

    @Test
    void labeledExamplesMapToTheModelsSceneIndex() {
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            List<LabeledExample> labeled = DrivingScenes.labeled("map", 3, 1L);

            List<TrainingExample> mapped = FineTuner.toTrainingExamples(model, labeled);

            assertThat(mapped).extracting(TrainingExample::sceneIndex).containsExactly(0, 1, 2);
            assertThat(mapped.get(0).steering()).isEqualTo(labeled.get(0).steering());
        }
    }
}
