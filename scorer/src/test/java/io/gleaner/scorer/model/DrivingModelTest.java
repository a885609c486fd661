package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import com.google.protobuf.ByteString;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class DrivingModelTest {
    private static final Logger LOG = LoggerFactory.getLogger(DrivingModelTest.class);
    private static final List<String> CLASSES = List.of("clear_road", "pedestrian_crossing", "stopped_vehicle");
    private static final ModelSpec SPEC = ModelSpec.defaults(CLASSES);

    private static DrivingModel model;

    @BeforeAll
    static void createModel() {
        model = DrivingModel.create(SPEC, 7);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void saveAndLoadGiveIdenticalPredictions(@TempDir Path tmp) {
        List<float[]> inputs = randomInputs(5, 1);
        ModelArtifact artifact = model.save(tmp.resolve("v1"), "v1", "", "seed-behavior-cloning",
                Map.of("accuracy", 0.5));

        try (DrivingModel loaded = DrivingModel.load(Path.of(artifact.uri()), artifact.sha256())) {
            List<Prediction> before = model.predict(inputs);
            List<Prediction> after = loaded.predict(inputs);
            for (int i = 0; i < inputs.size(); i++) {
                assertThat(after.get(i).sceneProbabilities()).containsExactly(before.get(i).sceneProbabilities());
                assertThat(after.get(i).embedding()).containsExactly(before.get(i).embedding());
                assertThat(after.get(i).steering()).isEqualTo(before.get(i).steering());
                assertThat(after.get(i).acceleration()).isEqualTo(before.get(i).acceleration());
            }
            ModelManifest manifest = loaded.manifest();
            assertThat(loaded.version()).isEqualTo("v1");
            assertThat(manifest.sceneClasses()).isEqualTo(CLASSES);
            assertThat(manifest.method()).isEqualTo("seed-behavior-cloning");
            assertThat(manifest.metrics()).containsEntry("accuracy", 0.5);
            assertThat(manifest.seed()).isEqualTo(7);
            assertThat(manifest.paramsFile()).isEqualTo("gleaner-driving-0000.params");
            assertThat(manifest.sha256()).isEqualTo(artifact.sha256()).hasSize(64);
            assertThat(manifest.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        }
    }

    /** Regression: DJL's load left the input names unset and the next save failed ("key value size mismatch"). */
    @Test
    void aLoadedModelCanBeSavedAgainUnchanged(@TempDir Path tmp) {
        List<float[]> inputs = randomInputs(3, 2);
        ModelArtifact first = model.save(tmp.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
        try (DrivingModel loaded = DrivingModel.load(first.dir(), first.sha256())) {
            ModelArtifact second = loaded.save(tmp.resolve("v2"), "v2", "v1", "fine-tune", Map.of());
            assertThat(second.sha256()).as("same weights, same bytes").isEqualTo(first.sha256());
            try (DrivingModel reloaded = DrivingModel.load(second.dir(), second.sha256())) {
                assertThat(reloaded.predict(inputs).get(1).steering())
                        .isEqualTo(model.predict(inputs).get(1).steering());
            }
        }
    }

    /** A retrain trains a copy of the live model it loaded and then compares the two: they must share nothing. */
    @Test
    void aCopyHasTheSameWeightsAndTrainingItLeavesTheOriginalAsItWas(@TempDir Path tmp) {
        List<float[]> inputs = randomInputs(4, 3);
        ModelArtifact first = model.save(tmp.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
        try (DrivingModel original = DrivingModel.load(first.dir(), first.sha256())) {
            Prediction before = original.predict(inputs).get(0);
            try (DrivingModel copy = original.copy()) {
                assertThat(copy.manifest()).isSameAs(original.manifest());
                assertThat(copy.predict(inputs).get(0).embedding()).containsExactly(before.embedding());
                assertThat(copy.save(tmp.resolve("copy"), "v1", "", "seed-behavior-cloning", Map.of()).sha256())
                        .as("same weights, same bytes").isEqualTo(first.sha256());

                try (Trainer trainer = copy.djlModel().newTrainer(new DefaultTrainingConfig(Loss.l2Loss())
                                .optOptimizer(Optimizer.adam().build()));
                        NDManager m = trainer.getManager().newSubManager();
                        GradientCollector collector = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(new NDList(m.create(inputs.get(0), new Shape(1, 3, 64, 64))));
                    collector.backward(out.get(1).sub(m.ones(new Shape(1, 2))).square().mean());
                    trainer.step();
                }
                assertThat(copy.predict(inputs).get(0).steering()).as("the copy trained")
                        .isNotEqualTo(before.steering());
            }
            Prediction after = original.predict(inputs).get(0);
            assertThat(after.steering()).as("the original neither trained nor closed").isEqualTo(before.steering());
            assertThat(after.embedding()).containsExactly(before.embedding());
        }
    }

    @Test
    void tamperedParametersAreRefused(@TempDir Path tmp) throws IOException {
        ModelArtifact artifact = model.save(tmp.resolve("v1"), "v1", "", "fine-tune", Map.of());
        Path params = artifact.dir().resolve(artifact.manifest().paramsFile());
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 1] ^= 1;
        Files.write(params, bytes);

        assertThatThrownBy(() -> DrivingModel.load(artifact.dir(), null))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining("gleaner-driving-0000.params")
                .hasMessageContaining(artifact.sha256());
    }

    @Test
    void aParamsFileThatIsAPathIsRefusedBeforeAnythingOutsideTheArtifactIsRead(@TempDir Path tmp) throws IOException {
        // Regression: "../x-0000.params" matched the name pattern, so the loader hashed and loaded a
        // file outside the artifact folder whose digest the manifest vouched for.
        ModelArtifact artifact = model.save(tmp.resolve("v1"), "v1", "", "seed-behavior-cloning", Map.of());
        Files.copy(artifact.dir().resolve(artifact.manifest().paramsFile()), tmp.resolve("outside-0000.params"));
        for (String path : List.of("../outside-0000.params", tmp.resolve("outside-0000.params").toString())) {
            artifact.manifest().savedAs("v1", "", "seed-behavior-cloning", path, artifact.sha256(), Map.of(), 1L)
                    .write(artifact.dir());
            assertThatThrownBy(() -> DrivingModel.load(artifact.dir(), artifact.sha256()))
                    .as(path)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be a bare file name");
        }
    }

    @Test
    void unexpectedDigestIsRefused(@TempDir Path tmp) {
        ModelArtifact artifact = model.save(tmp.resolve("v1"), "v1", "", "fine-tune", Map.of());
        String wrong = "0".repeat(64);

        assertThatThrownBy(() -> DrivingModel.load(artifact.dir(), wrong))
                .isInstanceOf(ArtifactIntegrityException.class)
                .hasMessageContaining(wrong)
                .hasMessageContaining(artifact.sha256())
                .hasMessageContaining("gleaner-driving-0000.params");
    }

    @Test
    void savingIntoAnExistingArtifactIsRefused(@TempDir Path tmp) {
        model.save(tmp.resolve("v1"), "v1", "", "fine-tune", Map.of());

        assertThatThrownBy(() -> model.save(tmp.resolve("v1"), "v2", "v1", "fine-tune", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("immutable");
    }

    @Test
    void probabilitiesSumToOneAndEmbeddingsHaveUnitNorm() {
        List<Prediction> predictions = model.predict(randomInputs(8, 2));

        assertThat(predictions).hasSize(8);
        for (Prediction p : predictions) {
            assertThat(p.sceneProbabilities()).hasSize(3);
            double sum = 0;
            for (float v : p.sceneProbabilities()) {
                assertThat(v).isBetween(0f, 1f);
                sum += v;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
            assertThat(p.embedding()).hasSize(64);
            double norm = 0;
            for (float v : p.embedding()) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
            assertThat(p.steering()).isBetween(-1f, 1f);
            assertThat(p.acceleration()).isBetween(-1f, 1f);
        }
    }

    @Test
    void sameSeedGivesSameWeightsAndOtherSeedDoesNot() {
        List<float[]> inputs = randomInputs(2, 3);
        try (DrivingModel again = DrivingModel.create(SPEC, 7);
                DrivingModel other = DrivingModel.create(SPEC, 8)) {
            Prediction expected = model.predict(inputs).get(0);

            assertThat(again.predict(inputs).get(0).embedding()).containsExactly(expected.embedding());
            assertThat(other.predict(inputs).get(0).embedding()).isNotEqualTo(expected.embedding());
        }
    }

    @Test
    void preprocessOfPngGivesNormalisedChwFloats() throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        image.setRGB(5, 3, (255 << 16) | (0 << 8) | 128);

        float[] chw = model.preprocess(encoded(image, "png", ImageEncoding.IMAGE_ENCODING_PNG));

        int plane = 64 * 64;
        int at = 3 * 64 + 5;
        assertThat(chw).hasSize(3 * plane);
        assertThat(chw[at]).isCloseTo((1f - 0.5f) / 0.25f, within(1e-5f));
        assertThat(chw[plane + at]).isCloseTo((0f - 0.5f) / 0.25f, within(1e-5f));
        assertThat(chw[2 * plane + at]).isCloseTo((128f / 255f - 0.5f) / 0.25f, within(1e-5f));
        assertThat(chw[0]).isCloseTo(-2f, within(1e-5f));
    }

    @Test
    void preprocessResizesAndReadsRawAndGray() {
        // A 128x128 RAW RGB image whose pixel (x, y) has R = x, G = y: the 64x64 sample at (10, 20)
        // takes source pixel (21, 41) (nearest to the centre of the 2x2 block).
        byte[] raw = new byte[128 * 128 * 3];
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                raw[(y * 128 + x) * 3] = (byte) x;
                raw[(y * 128 + x) * 3 + 1] = (byte) y;
            }
        }
        Image image = Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(128).setHeight(128)
                .setChannels(3).setData(ByteString.copyFrom(raw)).build();

        float[] chw = model.preprocess(image);

        int at = 20 * 64 + 10;
        assertThat(chw).hasSize(3 * 64 * 64);
        assertThat(chw[at]).isCloseTo((21f / 255f - 0.5f) / 0.25f, within(1e-5f));
        assertThat(chw[64 * 64 + at]).isCloseTo((41f / 255f - 0.5f) / 0.25f, within(1e-5f));
    }

    @Test
    void preprocessOfGrayJpegReplicatesTheChannel() throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        float[] chw = model.preprocess(encoded(image, "jpg", ImageEncoding.IMAGE_ENCODING_JPEG));

        assertThat(chw).hasSize(3 * 64 * 64);
        assertThat(chw[0]).isEqualTo(chw[64 * 64]).isEqualTo(chw[2 * 64 * 64]);
    }

    @Test
    void undecodableImagesAreRejectedWithTheReason() {
        Image garbage = Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(64).setHeight(64)
                .setChannels(3).setData(ByteString.copyFromUtf8("not a png")).build();
        Image shortRaw = Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                .setChannels(3).setData(ByteString.copyFrom(new byte[10])).build();

        assertThatThrownBy(() -> model.preprocess(garbage))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 bytes");
        assertThatThrownBy(() -> model.preprocess(shortRaw))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12288 bytes but has 10");
    }

    @Test
    void predictionsFromAnotherThreadMatchAndCanBeRepeated() throws Exception {
        List<float[]> inputs = randomInputs(3, 4);
        List<Prediction> here = model.predict(inputs);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            List<Prediction> there = CompletableFuture.supplyAsync(() -> model.predict(inputs), pool).get();
            assertThat(there.get(2).sceneProbabilities()).containsExactly(here.get(2).sceneProbabilities());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theBlockTrainsWithATrainerWithoutLosingItsWeights(@TempDir Path tmp) {
        List<float[]> inputs = randomInputs(4, 6);
        try (DrivingModel trained = DrivingModel.create(SPEC, 11);
                Trainer trainer = trained.djlModel().newTrainer(new DefaultTrainingConfig(Loss.l2Loss())
                        .optOptimizer(Optimizer.adam().build()))) {
            Prediction before = trained.predict(inputs).get(0);
            trainer.initialize(new Shape(4, 3, 64, 64));
            assertThat(trained.predict(inputs).get(0).embedding())
                    .as("Trainer.initialize keeps weights that are already there").containsExactly(before.embedding());

            float[] batch = new float[4 * 3 * 64 * 64];
            for (int i = 0; i < 4; i++) {
                System.arraycopy(inputs.get(i), 0, batch, i * 3 * 64 * 64, 3 * 64 * 64);
            }
            for (int step = 0; step < 3; step++) {
                try (NDManager m = trainer.getManager().newSubManager();
                        GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray x = m.create(batch, new Shape(4, 3, 64, 64));
                    NDList out = trainer.forward(new NDList(x));
                    NDArray loss = out.get(1).sub(m.ones(new Shape(4, 2))).square().mean();
                    collector.backward(loss);
                    trainer.step();
                }
            }
            Prediction after = trained.predict(inputs).get(0);
            assertThat(after.steering()).as("steering moves towards the target 1").isGreaterThan(before.steering());

            ModelArtifact artifact = trained.save(tmp.resolve("t"), "t1", "", "fine-tune", Map.of());
            try (DrivingModel loaded = DrivingModel.load(artifact.dir(), artifact.sha256())) {
                assertThat(loaded.predict(inputs).get(0).steering()).isEqualTo(after.steering());
            }
        }
    }

    @Test
    void otherInputSizesWorkAndImagesAreResizedToThem() {
        try (DrivingModel small = DrivingModel.create(new ModelSpec("small", 32, 48, CLASSES, 16), 3)) {
            byte[] raw = new byte[64 * 64 * 3];
            Image image = Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW).setWidth(64).setHeight(64)
                    .setChannels(3).setData(ByteString.copyFrom(raw)).build();
            float[] input = small.preprocess(image);

            assertThat(input).hasSize(3 * 32 * 48);
            Prediction p = small.predict(List.of(input)).get(0);
            assertThat(p.embedding()).hasSize(16);
            assertThat(p.sceneProbabilities()).hasSize(3);
        }
        assertThatThrownBy(() -> new ModelSpec("tiny", 8, 8, CLASSES, 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 to 512");
    }

    @Test
    void measuresInferenceThroughputAtBatch64() {
        List<float[]> batch = randomInputs(64, 5);
        for (int i = 0; i < 5; i++) {
            model.predict(batch);
        }
        int rounds = 30;
        long[] nanos = new long[rounds];
        int predicted = 0;
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            predicted += model.predict(batch).size();
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);
        LOG.info("inference throughput: median {} img/s, best {} img/s at batch 64 ({} batches after 5 warm-up, "
                        + "{} cores available, intra-op threads as DJL chose)",
                Math.round(64 / (nanos[rounds / 2] / 1e9)), Math.round(64 / (nanos[0] / 1e9)), rounds,
                Runtime.getRuntime().availableProcessors());

        assertThat(predicted).isEqualTo(64 * rounds);
    }

    private static List<float[]> randomInputs(int count, long seed) {
        Random random = new Random(seed);
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] input = new float[3 * 64 * 64];
            for (int j = 0; j < input.length; j++) {
                input[j] = (float) random.nextGaussian();
            }
            inputs.add(input);
        }
        return inputs;
    }

    private static Image encoded(BufferedImage image, String format, ImageEncoding encoding) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return Image.newBuilder().setEncoding(encoding).setWidth(image.getWidth()).setHeight(image.getHeight())
                .setChannels(3).setData(ByteString.copyFrom(out.toByteArray())).build();
    }
}
