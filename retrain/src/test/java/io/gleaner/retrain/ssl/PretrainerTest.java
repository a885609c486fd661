package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.retrain.TrainingCheckpoint;
import io.gleaner.scorer.model.BackboneSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pretraining on 512 Fashion-MNIST images with a tiny backbone: a few seconds per run. */
class PretrainerTest {
    private static ImageSet images;
    private static BackboneSpec spec;

    @BeforeAll
    static void data() {
        images = FashionMnistFiles.images(FashionMnistFiles.DEFAULT_DIR, "train").first(512);
        spec = new BackboneSpec("tiny", 1, 28, 8, 2, 1, images.channelMean(), images.channelStd());
    }

    private static PretrainConfig config(SslMethod method, int epochs) {
        return PretrainConfig.defaults(method, epochs).with(epochs, 64, 5);
    }

    private static final class Recorder implements PretrainListener {
        final List<String> lines = new ArrayList<>();
        final List<EpochRecord> epochs = new ArrayList<>();

        @Override
        public void progress(String line) {
            lines.add(line);
        }

        @Override
        public void epochDone(EpochRecord record) {
            epochs.add(record);
        }
    }

    @Test
    void simclrLossFallsAndTheProgressLineSaysEpochLossSpeedAndEta() {
        Recorder recorder = new Recorder();
        PretrainResult result = Pretrainer.run(images, spec, config(SslMethod.SIMCLR, 3), null, recorder);
        try (var backbone = result.backbone()) {
            assertThat(result.epochs()).hasSize(3);
            // Chance level of NT-Xent with 128 views is log(127) = 4.84; learning must get below the first epoch.
            assertThat(result.finalLoss()).isLessThan(result.epochs().get(0).loss());
            assertThat(recorder.lines).anyMatch(l -> l.matches("simclr epoch 2/3 +\\d+% loss \\d+\\.\\d+ \\d+ images/s ETA .+"));
            assertThat(recorder.lines).anyMatch(l -> l.contains("effective rank"));
            assertThat(result.epochs()).allMatch(e -> e.effectiveRank() > 1 && e.std() > 0);
        }
    }

    @Test
    void vicregLossFallsAndTheEmbeddingsStaySpread() {
        PretrainResult result = Pretrainer.run(images, spec, config(SslMethod.VICREG, 3), null, new Recorder());
        try (var backbone = result.backbone()) {
            assertThat(result.finalLoss()).isLessThan(result.epochs().get(0).loss());
            assertThat(result.epochs()).allMatch(e -> e.effectiveRank() > 2 && e.std() > 0.01);
        }
    }

    @Test
    void aRunInterruptedAfterEpochOneAndResumedEndsBitForBitLikeAnUninterruptedOne(@TempDir Path dir) {
        PretrainConfig config = config(SslMethod.SIMCLR, 3);
        float[] probe = new float[8 * 784];
        for (int i = 0; i < 8; i++) {
            images.normalised(i, spec.mean(), spec.std(), probe, i * 784);
        }
        PretrainResult straight = Pretrainer.run(images, spec, config, dir.resolve("a"), new Recorder());
        float[] expected;
        try (var backbone = straight.backbone()) {
            expected = backbone.embed(probe, 8);
        }

        Path checkpoints = dir.resolve("b");
        assertThatThrownBy(() -> Pretrainer.run(images, spec, config, checkpoints, new PretrainListener() {
            @Override
            public void epochDone(EpochRecord record) {
                throw new IllegalStateException("simulated crash after epoch " + record.epoch());
            }
        })).hasMessage("simulated crash after epoch 1");
        assertThat(TrainingCheckpoint.progress(checkpoints, Pretrainer.Progress.class)).get()
                .extracting(Pretrainer.Progress::completedEpochs).isEqualTo(1);

        Recorder resumedRecorder = new Recorder();
        PretrainResult resumed = Pretrainer.run(images, spec, config, checkpoints, resumedRecorder);
        try (var backbone = resumed.backbone()) {
            assertThat(resumed.resumedAfterEpoch()).isEqualTo(1);
            assertThat(resumedRecorder.epochs).extracting(EpochRecord::epoch).containsExactly(2, 3);
            assertThat(resumedRecorder.lines.get(0)).startsWith("resuming simclr after epoch 1 of 3");
            assertThat(resumed.epochs()).extracting(EpochRecord::loss)
                    .containsExactlyElementsOf(straight.epochs().stream().map(EpochRecord::loss).toList());
            assertThat(backbone.embed(probe, 8)).containsExactly(expected);
        }
    }

    @Test
    void aTimeBudgetStopsAfterTheEpochWhoseSuccessorWouldOverrunIt(@TempDir Path dir) {
        Recorder recorder = new Recorder();
        PretrainResult result = Pretrainer.run(images, spec, config(SslMethod.SIMCLR, 3), dir, recorder,
                Duration.ofMillis(1));
        try (var backbone = result.backbone()) {
            assertThat(result.epochs()).hasSize(1);
            assertThat(recorder.lines).anyMatch(l -> l.startsWith("stopping after epoch 1 of 3: ")
                    && l.contains("would pass the time budget of 0 s"));
            assertThat(TrainingCheckpoint.progress(dir, Pretrainer.Progress.class).orElseThrow().completedEpochs())
                    .isEqualTo(1);
        }
        Recorder unlimited = new Recorder();
        try (var backbone = Pretrainer.run(images, spec, config(SslMethod.SIMCLR, 1), null, unlimited,
                Duration.ofMillis(1)).backbone()) {
            // The last epoch is never cut: nothing follows it.
            assertThat(unlimited.lines).noneMatch(l -> l.startsWith("stopping"));
        }
    }

    @Test
    void aCheckpointOfAnotherRunIsNotResumed(@TempDir Path dir) {
        Pretrainer.run(images, spec, config(SslMethod.SIMCLR, 1), dir, new Recorder()).backbone().close();
        assertThatThrownBy(() -> Pretrainer.run(images, spec, config(SslMethod.VICREG, 1), dir, new Recorder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is of another run");
    }

    @Test
    void collapseStopsTrainingWithAClearErrorAndKeepsNoCheckpointOfTheCollapsedEpoch(@TempDir Path dir) {
        PretrainConfig base = config(SslMethod.SIMCLR, 2);
        // A rank floor above the embedding width: the watch must call every epoch collapsed.
        PretrainConfig strict = new PretrainConfig(base.method(), 2, 64, base.learningRate(), base.warmupFraction(),
                base.weightDecay(), base.temperature(), 25, 25, 1, 64, 32, base.augmentation(), 256,
                spec.embeddingSize() + 1, 0.05, 5);
        assertThatThrownBy(() -> Pretrainer.run(images, spec, strict, dir, new Recorder()))
                .isInstanceOf(CollapseException.class)
                .hasMessageContaining("representation collapsed after epoch 1: effective rank")
                .hasMessageContaining("Lower the learning rate");
        assertThat(Files.exists(dir.resolve(TrainingCheckpoint.LATEST))).isFalse();
    }

    @Test
    void collapseCheckFlagsConstantEmbeddings() {
        float[] constant = new float[32 * 4];
        java.util.Arrays.fill(constant, 1f);
        EmbeddingStats stats = EmbeddingStats.of(constant, 32, 4);
        assertThatThrownBy(() -> Pretrainer.checkCollapse(config(SslMethod.VICREG, 1), 3, stats))
                .isInstanceOf(CollapseException.class)
                .hasMessageContaining("after epoch 3")
                .hasMessageContaining("effective rank 0.00 of 4");
    }
}
