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

    private static DrivingModel loadedParent(Path dir) {
        ModelArtifact parent = savedParent(dir);
        return DrivingModel.load(parent.dir(), parent.sha256());
    }

    private static LabeledExample trainable(List<LabeledExample> examples) {
        return examples.stream()
                .filter(e -> !HeldOutSplit.isHeldOut(e.frameId(), ONE_EPOCH.heldOutEvery()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aFineTuneRunAgainOnTheSameLabelsGoesOnFromItsCheckpointAndOneOnOtherLabelsStartsOver(@TempDir Path dir) {
        TrainingConfig twoEpochs = ONE_EPOCH.withEpochs(2);
        Path checkpoints = dir.resolve("checkpoint");
        List<LabeledExample> labels = DrivingScenes.labeled("fine", 16, 2L);
        try (DrivingModel parent = loadedParent(dir)) {
            FineTuneResult first = FineTuner.fineTuneReporting(parent, labels, List.of(), twoEpochs, checkpoints);
            first.model().close();

            FineTuneResult again = FineTuner.fineTuneReporting(parent, labels, List.of(), twoEpochs, checkpoints);
            again.model().close();
            List<LabeledExample> moreLabels = DrivingScenes.labeled("fine", 20, 2L);
            FineTuneResult other = FineTuner.fineTuneReporting(parent, moreLabels, List.of(), twoEpochs, checkpoints);
            other.model().close();

            assertThat(first.resumedAfterEpoch()).isZero();
            assertThat(again.resumedAfterEpoch()).as("same parent, labels and config").isEqualTo(2);
            assertThat(other.resumedAfterEpoch()).as("other labels").isZero();
        }
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
        List<LabeledExample> examples = new ArrayList<>(DrivingScenes.labeled("fine", 8, 2L));
        int good = HeldOutSplit.of(examples, ONE_EPOCH.heldOutEvery()).training().size();
        LabeledExample valid = trainable(examples);
        examples.add(new LabeledExample(99, 99, valid.frameId(), valid.imageEncoding(), valid.width(), valid.height(),
                valid.imageBytes(), "fog", 0f, 0f));

        FineTuneResult result;
        try (DrivingModel parent = loadedParent(dir)) {
            result = FineTuner.fineTuneReporting(parent, examples, List.of(), ONE_EPOCH, null);
        }
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
        List<LabeledExample> examples = new ArrayList<>(DrivingScenes.labeled("fine", 8, 2L));
        LabeledExample valid = trainable(examples);
        examples.add(new LabeledExample(98, 98, valid.frameId(), "IMAGE_ENCODING_PNG", 64, 64,
                new byte[] {1, 2, 3}, valid.scene(), 0f, 0f));
        examples.add(new LabeledExample(97, 97, valid.frameId(), valid.imageEncoding(), 64, 64,
                null, valid.scene(), 0f, 0f));

        FineTuneResult result;
        try (DrivingModel parent = loadedParent(dir)) {
            result = FineTuner.fineTuneReporting(parent, examples, List.of(), ONE_EPOCH, null);
        }
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

    /**
     * The retrain judges the candidate against the parent it was fine-tuned from, loaded once: the
     * fine-tune must train a copy, never the parent's own parameters.
     */
    @Test
    void fineTuningLeavesTheParentItStartedFromUnchanged(@TempDir Path dir) {
        List<LabeledExample> examples = DrivingScenes.labeled("tune", 16, 4L);
        try (DrivingModel parent = loadedParent(dir)) {
            List<float[]> before = new ArrayList<>();
            parent.djlModel().getBlock().getParameters().forEach(p -> before.add(p.getValue().getArray().toFloatArray()));

            try (DrivingModel tuned = FineTuner.fineTuneReporting(parent, examples, List.of(), ONE_EPOCH, null).model()) {
                var parentParameters = parent.djlModel().getBlock().getParameters();
                var tunedParameters = tuned.djlModel().getBlock().getParameters();
                for (int k = 0; k < parentParameters.size(); k++) {
                    assertThat(parentParameters.get(k).getValue().getArray().toFloatArray())
                            .as(parentParameters.get(k).getKey()).containsExactly(before.get(k));
                }
                assertThat(tunedParameters.get(0).getValue().getArray().toFloatArray())
                        .as("the candidate did train").isNotEqualTo(before.get(0));
            }
            assertThat(parent.predict(List.of(new float[3 * 64 * 64]))).as("still open").hasSize(1);
        }
    }
}
