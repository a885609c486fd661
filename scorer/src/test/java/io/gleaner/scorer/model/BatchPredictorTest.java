package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchPredictorTest {
    private static final ModelSpec SPEC = ModelSpec.defaults(List.of("clear_road", "pedestrian", "stopped_vehicle"));
    private static final int FLOATS = 3 * 64 * 64;

    private DrivingModel model;

    @BeforeEach
    void createModel() {
        model = DrivingModel.create(SPEC, 11);
    }

    @AfterEach
    void closeModel() {
        model.close();
    }

    @Test
    void mcDropoutStaysOnAtInferenceSoTwoPassesOverTheSameFramesDiffer() {
        BatchPredictor predictor = model.predictor(4, new InferenceOptions(8, 0.3f, 0, 1, 0));
        fill(predictor, 4, 1);
        FrameScore first = predictor.score(4).get(0);
        FrameScore second = predictor.score(4).get(0);

        assertThat(first.sampleSteering()).hasSize(8);
        assertThat(first.sampleProbabilities()).hasNumberOfRows(8);
        assertThat(first.sampleSteering()).as("another pass draws other dropout masks")
                .isNotEqualTo(second.sampleSteering());
        assertThat(first.sampleSteering()[0]).as("samples of one pass differ from each other")
                .isNotEqualTo(first.sampleSteering()[1]);
        assertThat(first.steeringSpread()).isPositive();
        assertThat(first.steering()).as("the pass without dropout is deterministic").isEqualTo(second.steering());
        assertThat(first.sceneProbabilities()).containsExactly(second.sceneProbabilities());
    }

    @Test
    void theSpreadIsTheStandardDeviationOfTheSamples() {
        BatchPredictor predictor = model.predictor(2, new InferenceOptions(5, 0.5f, 0, 1, 0));
        FrameScore score = predictor.score(fill(predictor, 2, 3)).get(1);
        float[] s = score.sampleAcceleration();
        double mean = 0;
        for (float v : s) {
            mean += v / s.length;
        }
        double variance = 0;
        for (float v : s) {
            variance += (v - mean) * (v - mean) / s.length;
        }
        assertThat((double) score.accelerationSpread()).isCloseTo(Math.sqrt(variance), within(1e-6));
    }

    @Test
    void withoutSamplesThereIsNoSpreadAndThePassAgreesWithPredict() {
        BatchPredictor predictor = model.predictor(4, new InferenceOptions(0, 0.2f, 0, 1, 0));
        List<float[]> inputs = inputs(3, 5);
        for (int i = 0; i < 3; i++) {
            predictor.put(i, inputs.get(i));
        }
        List<FrameScore> scores = predictor.score(3);
        List<Prediction> predictions = model.predict(inputs);

        assertThat(scores).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(scores.get(i).sampleSteering()).isEmpty();
            assertThat(scores.get(i).steeringSpread()).isZero();
            assertThat(scores.get(i).steering()).isCloseTo(predictions.get(i).steering(), within(1e-5f));
            assertThat(scores.get(i).embedding()).containsExactly(predictions.get(i).embedding(), within(1e-5f));
            assertThat(scores.get(i).sceneProbabilities())
                    .containsExactly(predictions.get(i).sceneProbabilities(), within(1e-5f));
        }
    }

    @Test
    void aPaddedPartialBatchScoresItsFramesAsAFullBatchDoesAndNoEarlierFrameLeaksIn() {
        BatchPredictor predictor = model.predictor(8, new InferenceOptions(0, 0.2f, 0, 1, 0));
        fill(predictor, 8, 7);
        List<FrameScore> full = predictor.score(8);
        List<float[]> again = inputs(8, 7);
        predictor.put(0, again.get(0));
        predictor.put(1, again.get(1));
        List<FrameScore> partial = predictor.score(2);

        assertThat(partial).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(partial.get(i).embedding()).containsExactly(full.get(i).embedding(), within(1e-5f));
        }
        assertThatThrownBy(() -> predictor.score(3)).as("slot 2 was zeroed as padding, not kept")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot 2");
    }

    @Test
    void aBatchRunsThePowerOfTwoRowsThatHoldItsFramesAtMostTheBatchSize() {
        assertThat(java.util.stream.IntStream.rangeClosed(1, 9).map(n -> BatchPredictor.paddedRows(n, 64)))
                .containsExactly(1, 2, 4, 4, 8, 8, 8, 8, 16);
        assertThat(BatchPredictor.paddedRows(33, 64)).isEqualTo(64);
        assertThat(BatchPredictor.paddedRows(64, 64)).isEqualTo(64);
        assertThat(BatchPredictor.paddedRows(33, 48)).as("a batch size that is no power of two").isEqualTo(48);
        assertThatThrownBy(() -> BatchPredictor.paddedRows(65, 64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..64");
    }

    @Test
    void everyFrameOfAPartialBatchScoresAsItDoesAloneWhateverRowsItIsPaddedTo() {
        // With MC dropout on: the samples are random, the outputs without dropout must not move.
        BatchPredictor predictor = model.predictor(8, new InferenceOptions(4, 0.2f, 0, 1, 0));
        List<float[]> inputs = inputs(8, 13);
        List<Prediction> alone = inputs.stream().map(input -> model.predict(List.of(input)).get(0)).toList();
        for (int count : new int[] {1, 2, 3, 5, 8, 1}) {
            for (int i = 0; i < count; i++) {
                predictor.put(i, inputs.get(i));
            }
            List<FrameScore> scores = predictor.score(count);
            assertThat(scores).as("%d frames", count).hasSize(count);
            for (int i = 0; i < count; i++) {
                FrameScore score = scores.get(i);
                Prediction expected = alone.get(i);
                assertThat(score.steering()).as("frame %d of %d", i, count).isCloseTo(expected.steering(), within(1e-5f));
                assertThat(score.acceleration()).isCloseTo(expected.acceleration(), within(1e-5f));
                assertThat(score.sceneProbabilities()).containsExactly(expected.sceneProbabilities(), within(1e-5f));
                assertThat(score.embedding()).containsExactly(expected.embedding(), within(1e-5f));
                assertThat(score.sampleSteering()).hasSize(4);
                assertThat(score.steeringSpread()).isPositive();
            }
        }
    }

    @Test
    void noveltyIsTheMeanCosineDistanceToTheNearestBankEmbeddings() {
        BatchPredictor predictor = model.predictor(4, new InferenceOptions(0, 0.2f, 16, 2, 0));
        List<FrameScore> bank = predictor.score(fill(predictor, 4, 21));
        assertThat(bank).allSatisfy(s -> assertThat(s.novelty()).as("empty bank: not computed").isZero());
        assertThat(predictor.referenceBankRows()).isEqualTo(4);

        fill(predictor, 1, 99);
        FrameScore probe = predictor.score(1).get(0);

        double[] similarities = bank.stream().mapToDouble(b -> dot(b.embedding(), probe.embedding())).sorted().toArray();
        double expected = 1 - (similarities[3] + similarities[2]) / 2;
        assertThat((double) probe.novelty()).isCloseTo(expected, within(1e-5));
        assertThat(predictor.referenceBankRows()).isEqualTo(5);
    }

    @Test
    void aNaNEmbeddingStaysOutOfTheReferenceBankSoLaterNoveltiesStayFinite() {
        // Regression: a frame whose embedding was NaN entered the bank, and from then on its row of
        // the similarity matrix made the novelty of every frame this thread scored NaN.
        BatchPredictor predictor = model.predictor(2, new InferenceOptions(0, 0.2f, 16, 1, 0));
        float[] poisoned = inputs(1, 5).get(0);
        poisoned[0] = Float.NaN;
        predictor.put(0, poisoned);
        FrameScore nan = predictor.score(1).get(0);
        assertThat(nan.nonFiniteOutput()).isPresent();
        assertThat(predictor.referenceBankRows()).isZero();

        predictor.score(fill(predictor, 2, 7));
        FrameScore later = predictor.score(fill(predictor, 1, 8)).get(0);
        assertThat(later.novelty()).isFinite().isPositive();
        assertThat(predictor.referenceBankRows()).isEqualTo(3);
    }

    @Test
    void trialInputsAreScoredButNeverEnterTheReferenceBank() {
        BatchPredictor predictor = model.predictor(4, new InferenceOptions(2, 0.2f, 16, 1, 0));

        List<FrameScore> trial = predictor.trial(2);

        assertThat(trial).hasSize(2).allSatisfy(s -> assertThat(s.nonFiniteOutput()).isEmpty());
        assertThat(predictor.referenceBankRows()).isZero();
    }

    @Test
    void aFrameSeenBeforeIsLessNovelThanAnUnlikeOne() {
        BatchPredictor predictor = model.predictor(4, new InferenceOptions(0, 0.2f, 64, 1, 0));
        fill(predictor, 4, 1);
        predictor.score(4);
        FrameScore seen = predictor.score(fill(predictor, 1, 1)).get(0);
        assertThat(seen.novelty()).as("its own embedding is in the bank").isCloseTo(0f, within(1e-5f));
    }

    @Test
    void everyBatchClosesItsArrays() {
        BatchPredictor predictor = model.predictor(8, new InferenceOptions(4, 0.2f, 32, 3, 0));
        fill(predictor, 8, 2);
        predictor.score(8);
        predictor.score(8);
        int afterTwo = model.djlModel().getNDManager().getManagedArrays().size();
        for (int i = 0; i < 20; i++) {
            predictor.score(8);
        }
        assertThat(model.djlModel().getNDManager().getManagedArrays()).hasSize(afterTwo);
    }

    @Test
    void eachThreadGetsItsOwnPredictorAndClosingTheModelClosesThem() throws Exception {
        InferenceOptions options = new InferenceOptions(0, 0.2f, 0, 1, 0);
        BatchPredictor mine = model.predictor(4, options);
        BatchPredictor other = CompletableFuture.supplyAsync(() -> model.predictor(4, options)).get();

        assertThat(model.predictor(4, options)).isSameAs(mine);
        assertThat(other).isNotSameAs(mine);
        assertThatThrownBy(() -> model.predictor(8, options)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batches of 4");
        model.close();
        assertThatThrownBy(() -> mine.score(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSubmittedBatchScoresOnTheForwardThreadAsScoreDoesWhileTheNextOneFillsTheOtherInput() {
        InferenceOptions options = new InferenceOptions(0, 0.2f, 0, 1, 0);
        BatchPredictor predictor = model.predictor(4, options);
        List<FrameScore> direct = predictor.score(fill(predictor, 4, 21));
        List<float[]> second = inputs(4, 22);

        PendingScores pending = predictor.submit(fill(predictor, 4, 21));
        // Written while the first batch may still be in its forward pass: the other input buffer.
        for (int i = 0; i < 4; i++) {
            predictor.put(i, second.get(i));
        }
        List<FrameScore> submitted = pending.await();
        List<FrameScore> next = predictor.submit(4).await();

        List<Prediction> expected = model.predict(second);
        for (int i = 0; i < 4; i++) {
            assertThat(submitted.get(i).embedding()).containsExactly(direct.get(i).embedding(), within(1e-5f));
            assertThat(next.get(i).embedding()).containsExactly(expected.get(i).embedding(), within(1e-5f));
        }
        assertThat(pending.forwardNanos()).isPositive();
        assertThatThrownBy(() -> predictor.score(1)).as("submitted slots are empty afterwards")
                .hasMessageContaining("slot 0 holds no frame");
    }

    @Test
    void theNextSubmitWaitsForThePendingBatchWhoseScoresStayForWhoeverCollectsThem() {
        BatchPredictor predictor = model.predictor(2, new InferenceOptions(0, 0.2f, 0, 1, 0));
        List<float[]> first = inputs(2, 5);
        List<float[]> second = inputs(2, 6);
        predictor.put(0, first.get(0));
        predictor.put(1, first.get(1));
        PendingScores pending = predictor.submit(2);
        predictor.put(0, second.get(0));
        predictor.put(1, second.get(1));
        // Another task of the same stream thread submits before the first collects its scores.
        PendingScores next = predictor.submit(2);

        assertThat(pending.isDone()).isTrue();
        assertThat(pending.await().get(1).embedding())
                .containsExactly(model.predict(first).get(1).embedding(), within(1e-5f));
        assertThat(next.await().get(0).embedding())
                .containsExactly(model.predict(second).get(0).embedding(), within(1e-5f));
        model.close();
        assertThatThrownBy(() -> predictor.submit(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");

        IllegalStateException broken = new IllegalStateException("broken");
        PendingScores failed = PendingScores.on(Runnable::run, () -> {
            throw broken;
        });
        assertThat(failed.isDone()).isTrue();
        assertThatThrownBy(failed::await).isSameAs(broken);
        assertThatThrownBy(PendingScores.failed(broken)::await).isSameAs(broken);
    }

    @Test
    void decodingAPngIntoASlotGivesWhatPreprocessGives() throws IOException {
        Image png = png(new Random(4), BufferedImage.TYPE_3BYTE_BGR);
        BatchPredictor decoded = model.predictor(2, new InferenceOptions(0, 0.2f, 0, 1, 0));
        decoded.decode(0, png);
        float[] viaDecode = decoded.score(1).get(0).embedding();

        float[] viaPreprocess = model.predict(List.of(model.preprocess(png))).get(0).embedding();
        assertThat(viaDecode).containsExactly(viaPreprocess, within(1e-5f));
    }

    @Test
    void anImageThatCannotBeDecodedLeavesItsSlotEmpty() {
        BatchPredictor predictor = model.predictor(2, new InferenceOptions(0, 0.2f, 0, 1, 0));
        Image broken = Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(64).setHeight(64)
                .setChannels(3).setData(ByteString.copyFromUtf8("not a png")).build();
        assertThatThrownBy(() -> predictor.decode(0, broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PNG");
        assertThatThrownBy(() -> predictor.score(1)).hasMessageContaining("slot 0 holds no frame");
    }

    static Image png(Random random, int type) throws IOException {
        BufferedImage image = new BufferedImage(64, 64, type);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, y < 32 ? (x * 4) << 16 | (y * 4) << 8 | 90 : random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(64).setHeight(64)
                .setChannels(3).setData(ByteString.copyFrom(out.toByteArray())).build();
    }

    private static int fill(BatchPredictor predictor, int count, long seed) {
        List<float[]> inputs = inputs(count, seed);
        for (int i = 0; i < count; i++) {
            predictor.put(i, inputs.get(i));
        }
        return count;
    }

    private static List<float[]> inputs(int count, long seed) {
        Random random = new Random(seed);
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> {
            float[] input = new float[FLOATS];
            for (int j = 0; j < FLOATS; j++) {
                input[j] = (float) random.nextGaussian();
            }
            return input;
        }).toList();
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
