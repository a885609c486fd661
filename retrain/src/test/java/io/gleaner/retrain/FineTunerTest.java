package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTunerTest {
    private static final TrainingConfig ONE_EPOCH = TrainingConfig.fineTuneDefaults().withEpochs(1);

    private static ModelArtifact savedParent(Path dir) {
        try (DrivingModel parent = DrivingModel.create(DrivingScenes.spec(), 1L)) {
            return parent.save(dir.resolve("v1"), "1", "", SeedTrainer.METHOD, Map.of());
        }
    }

    private static LabeledExample trainable(List<LabeledExample> examples) {
        return examples.stream()
                .filter(e -> !HeldOutSplit.isHeldOut(e.frameId(), ONE_EPOCH.heldOutEvery()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aFineTuneRunAgainOnTheSameLabelsGoesOnFromItsCheckpointAndOneOnOtherLabelsStartsOver(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        TrainingConfig twoEpochs = ONE_EPOCH.withEpochs(2);
        Path checkpoints = dir.resolve("checkpoint");
        List<LabeledExample> labels = DrivingScenes.labeled("fine", 16, 2L);
        FineTuneResult first = FineTuner.fineTuneReporting(parent.dir(), parent.sha256(), labels, List.of(), twoEpochs,
                checkpoints);
        first.model().close();

        FineTuneResult again = FineTuner.fineTuneReporting(parent.dir(), parent.sha256(), labels, List.of(), twoEpochs,
                checkpoints);
        again.model().close();
        List<LabeledExample> moreLabels = DrivingScenes.labeled("fine", 20, 2L);
        FineTuneResult other = FineTuner.fineTuneReporting(parent.dir(), parent.sha256(), moreLabels, List.of(),
                twoEpochs, checkpoints);
        other.model().close();

        assertThat(first.resumedAfterEpoch()).isZero();
        assertThat(again.resumedAfterEpoch()).as("same parent, labels and config").isEqualTo(2);
        assertThat(other.resumedAfterEpoch()).as("other labels").isZero();
    }

    @Test
    void aShorterStepMovesEveryWeightBackTowardsTheParent() {
        try (DrivingModel parent = DrivingModel.create(DrivingScenes.spec(), 1L);
                DrivingModel tuned = DrivingModel.create(DrivingScenes.spec(), 2L)) {
            List<float[]> before = new ArrayList<>();
            tuned.djlModel().getBlock().getParameters().forEach(p -> before.add(p.getValue().getArray().toFloatArray()));

            FineTuner.shortenStep(tuned, parent, 0.25f);

            var parentParameters = parent.djlModel().getBlock().getParameters();
            var tunedParameters = tuned.djlModel().getBlock().getParameters();
            for (int k = 0; k < tunedParameters.size(); k++) {
                float[] after = tunedParameters.get(k).getValue().getArray().toFloatArray();
                float[] theirs = parentParameters.get(k).getValue().getArray().toFloatArray();
                for (int i = 0; i < after.length; i++) {
                    assertThat(after[i]).isCloseTo(theirs[i] + 0.25f * (before.get(k)[i] - theirs[i]), within(1e-6f));
                }
            }
            assertThatThrownBy(() -> FineTuner.shortenStep(tuned, parent, 0f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1]");
        }
    }

    /** Regression: one label with a scene the model does not know used to fail every later fine-tune. */
    @Test
    void aLabelWithAnUnknownSceneIsSkippedAndCountedNotFatal(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        List<LabeledExample> examples = new ArrayList<>(DrivingScenes.labeled("fine", 8, 2L));
        int good = HeldOutSplit.of(examples, ONE_EPOCH.heldOutEvery()).training().size();
        LabeledExample valid = trainable(examples);
        examples.add(new LabeledExample(99, 99, valid.frameId(), valid.imageEncoding(), valid.width(), valid.height(),
                valid.imageBytes(), "fog", 0f, 0f));

        FineTuneResult result = FineTuner.fineTuneReporting(parent.dir(), parent.sha256(), examples, List.of(), ONE_EPOCH, null);
        result.model().close();

        assertThat(result.labelsUsed()).isEqualTo(good);
        assertThat(result.skipped()).singleElement().asString()
                .contains("label 99")
                .contains("'fog'")
                .contains("[clear_road, pedestrian_crossing, stopped_vehicle]");
    }

    /** Regression: an undecodable image used to fail every later fine-tune. */
    @Test
    void aLabelWhoseImageCannotBeDecodedIsSkipped(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        List<LabeledExample> examples = new ArrayList<>(DrivingScenes.labeled("fine", 8, 2L));
        LabeledExample valid = trainable(examples);
        examples.add(new LabeledExample(98, 98, valid.frameId(), "IMAGE_ENCODING_PNG", 64, 64,
                new byte[] {1, 2, 3}, valid.scene(), 0f, 0f));
        examples.add(new LabeledExample(97, 97, valid.frameId(), valid.imageEncoding(), 64, 64,
                null, valid.scene(), 0f, 0f));

        FineTuneResult result = FineTuner.fineTuneReporting(parent.dir(), parent.sha256(), examples, List.of(), ONE_EPOCH, null);
        result.model().close();

        assertThat(result.skipped()).hasSize(2);
        assertThat(result.skipped().get(0)).contains("label 98").contains("frame " + valid.frameId());
        assertThat(result.skipped().get(1)).contains("label 97");
    }

    @Test
    void whenNoTrainingLabelIsUsableTheErrorNamesThem(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        LabeledExample valid = trainable(DrivingScenes.labeled("fine", 8, 2L));
        List<LabeledExample> onlyBad = List.of(new LabeledExample(99, 99, valid.frameId(), valid.imageEncoding(),
                valid.width(), valid.height(), valid.imageBytes(), "fog", 0f, 0f));

        assertThatThrownBy(() -> FineTuner.fineTune(parent.dir(), parent.sha256(), onlyBad, List.of(), ONE_EPOCH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none of the 1 training labels")
                .hasMessageContaining("label 99")
                .hasMessageContaining("'fog'");
    }

    @Test
    void aTamperedParentIsNotLoaded(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        String otherSha = "0".repeat(64);

        assertThatThrownBy(() -> FineTuner.fineTune(parent.dir(), otherSha, DrivingScenes.labeled("t", 8, 2L), List.of(), ONE_EPOCH))
                .hasMessageContaining(otherSha);
    }

    @Test
    void theFineTunedModelKeepsTheParentsClassesChangesItsWeightsAndCanBeSaved(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);
        List<LabeledExample> examples = DrivingScenes.labeled("tune", 16, 4L);

        try (DrivingModel tuned = FineTuner.fineTune(parent.dir(), examples, ONE_EPOCH);
                DrivingModel original = DrivingModel.load(parent.dir(), parent.sha256())) {
            assertThat(tuned.sceneClasses()).isEqualTo(DrivingScenes.CLASSES);
            double tunedMae = EvaluationGate.evaluate(tuned, examples).get(EvaluationGate.ACTION_MAE);
            assertThat(tunedMae)
                    .isNotEqualTo(EvaluationGate.evaluate(original, examples).get(EvaluationGate.ACTION_MAE));

            ModelArtifact saved = tuned.save(dir.resolve("v2"), "2", "1", FineTuner.METHOD, Map.of());
            try (DrivingModel reloaded = DrivingModel.load(saved.dir(), saved.sha256())) {
                assertThat(EvaluationGate.evaluate(reloaded, examples).get(EvaluationGate.ACTION_MAE))
                        .isEqualTo(tunedMae);
            }
        }
    }

    @Test
    void averagingWithTheParentSetsEveryWeightToTheShareOfEach(@TempDir Path dir) {
        ModelArtifact parent = savedParent(dir);

        try (DrivingModel other = DrivingModel.create(DrivingScenes.spec(), 2L);
                DrivingModel original = DrivingModel.load(parent.dir(), parent.sha256())) {
            var otherParameters = other.djlModel().getBlock().getParameters();
            var parentParameters = original.djlModel().getBlock().getParameters();
            String name = otherParameters.keys().get(0);
            float[] before = otherParameters.get(name).getArray().toFloatArray();
            float[] parentWeights = parentParameters.get(name).getArray().toFloatArray();

            FineTuner.averageWithParent(other, parent.dir(), parent.sha256(), 0.25f);

            float[] after = otherParameters.get(name).getArray().toFloatArray();
            assertThat(after).hasSameSizeAs(before);
            for (int i = 0; i < after.length; i++) {
                assertThat(after[i]).as("%s[%d]", name, i)
                        .isCloseTo(0.25f * before[i] + 0.75f * parentWeights[i], within(1e-6f));
            }
            assertThat(after).isNotEqualTo(before);
        }
    }
}
