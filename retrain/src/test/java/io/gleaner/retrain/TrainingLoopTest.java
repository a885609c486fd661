package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void aRunCutShortAfterEpochOneResumesToTheSameWeightsAsAnUninterruptedRun(@TempDir Path dir) {
        TrainingConfig threeEpochs = QUICK.withEpochs(3);
        List<float[]> expected;
        TrainingReport straight;
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            straight = TrainingLoop.fit(model, examples(model, 48), threeEpochs,
                    new TrainingLoop.Checkpoints(dir.resolve("straight"), "run-1"));
            expected = parameters(model);
        }

        TrainingLoop.Checkpoints checkpoints = new TrainingLoop.Checkpoints(dir.resolve("cut"), "run-1");
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            assertThatThrownBy(() -> TrainingLoop.fit(model, examples(model, 48), threeEpochs, checkpoints, epoch -> {
                throw new IllegalStateException("simulated crash after epoch " + epoch);
            })).hasMessage("simulated crash after epoch 1");
        }
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            List<Integer> epochsRun = new ArrayList<>();
            TrainingReport resumed = TrainingLoop.fit(model, examples(model, 48), threeEpochs, checkpoints,
                    epochsRun::add);

            assertThat(epochsRun).containsExactly(2, 3);
            assertThat(resumed.epochLosses()).isEqualTo(straight.epochLosses());
            List<float[]> actual = parameters(model);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < actual.size(); i++) {
                assertThat(actual.get(i)).as("parameter %d", i).containsExactly(expected.get(i));
            }
        }
    }

    @Test
    void aCheckpointOfAnotherRunIsDiscardedAndTrainingStartsOver(@TempDir Path dir) {
        TrainingConfig twoEpochs = QUICK.withEpochs(2);
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            TrainingLoop.fit(model, examples(model, 32), twoEpochs, new TrainingLoop.Checkpoints(dir, "labels-1..32"));
        }
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            List<Integer> epochsRun = new ArrayList<>();
            TrainingLoop.fit(model, examples(model, 32), twoEpochs, new TrainingLoop.Checkpoints(dir, "labels-1..40"),
                    epochsRun::add);

            assertThat(epochsRun).containsExactly(1, 2);
        }
    }

    /**
     * A scope trains its own layers and leaves the others bit for bit as they were: heads only, the
     * backbone's last stage from its last convolution on, or everything.
     */
    @Test
    void aScopeTrainsItsLayersAndNoOther() {
        for (FineTuneScope scope : FineTuneScope.values()) {
            try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
                List<Block> layers = ((SequentialBlock) model.djlModel().getBlock()).getChildren().values();
                int lastConvolution = 0;
                for (int i = 0; i < layers.size(); i++) {
                    lastConvolution = layers.get(i) instanceof Conv2d ? i : lastConvolution;
                }
                int firstTrained = switch (scope) {
                    case ALL -> 0;
                    case LAST_STAGE -> lastConvolution;
                    case HEADS -> layers.size() - 1;
                };
                List<float[]> before = layers.stream().map(TrainingLoopTest::weights).toList();

                TrainingLoop.fit(model, examples(model, 32), QUICK.withEpochs(1).withScope(scope));

                for (int i = 0; i < layers.size(); i++) {
                    float[] after = weights(layers.get(i));
                    if (after.length == 0) {
                        continue;
                    }
                    if (i < firstTrained) {
                        assertThat(after).as("%s: frozen layer %d", scope, i).containsExactly(before.get(i));
                    } else {
                        assertThat(after).as("%s: trained layer %d", scope, i).isNotEqualTo(before.get(i));
                    }
                }
            }
        }
        assertThat(FineTuneScope.fromOptionValue("last-stage")).isEqualTo(FineTuneScope.LAST_STAGE);
        assertThatThrownBy(() -> FineTuneScope.fromOptionValue("backbone"))
                .hasMessage("fine-tune scope 'backbone' is not one of all, last-stage, heads");
    }

    /** Every weight of a layer, in order, as one array. */
    private static float[] weights(Block layer) {
        List<float[]> arrays = new ArrayList<>();
        layer.getParameters().forEach(pair -> arrays.add(pair.getValue().getArray().toFloatArray()));
        float[] all = new float[arrays.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] array : arrays) {
            System.arraycopy(array, 0, all, at, array.length);
            at += array.length;
        }
        return all;
    }

    private static List<float[]> parameters(DrivingModel model) {
        List<float[]> values = new ArrayList<>();
        model.djlModel().getBlock().getParameters()
                .forEach(pair -> values.add(pair.getValue().getArray().toFloatArray()));
        return values;
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
