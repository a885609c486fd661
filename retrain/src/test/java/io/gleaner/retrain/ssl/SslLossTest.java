package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.gleaner.retrain.GarbageCollection;
import io.gleaner.scorer.model.DjlRuntime;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two losses on 2×2 inputs whose values are worked out by hand in each test, and their
 * gradients with a garbage collection between forward and backward.
 */
class SslLossTest {
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        DjlRuntime.ensureOffline();
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static NDArray rows(float... values) {
        return manager.create(values, new Shape(values.length / 2, 2));
    }

    @Test
    void ntXentOfOrthogonalPairsAtTemperatureOne() {
        // z = [e1, e2, e1, e2]. For row 0 the others have similarity 0 (e2), 1 (e1, the positive), 0 (e2):
        // -log(e^1 / (e^0 + e^1 + e^0)) = log(2 + e) - 1; every row is alike.
        double expected = Math.log(2 + Math.E) - 1;
        float loss = new NtXentLoss(1f).loss(rows(1, 0, 0, 1), rows(1, 0, 0, 1)).getFloat();
        assertThat((double) loss).isCloseTo(expected, within(1e-5));
        assertThat(expected).isCloseTo(0.551445, within(1e-6));
    }

    @Test
    void ntXentNormalisesAndScalesByTemperature() {
        // Scaling rows changes nothing (cosine similarity); temperature 0.5 doubles every logit:
        // log(2 + e^2) - 2 for each row.
        double expected = Math.log(2 + Math.exp(2)) - 2;
        float loss = new NtXentLoss(0.5f).loss(rows(3, 0, 0, 5), rows(2, 0, 0, 0.5f)).getFloat();
        assertThat((double) loss).isCloseTo(expected, within(1e-5));
    }

    @Test
    void ntXentWhenViewsDisagree() {
        // view1 = [e1, e2], view2 = [e2, e1] (swapped) at temperature 1: row 0 (e1) sees e2 (0), e2 (0, the
        // positive), e1 (1): -log(1 / (1 + 1 + e)) = log(2 + e); every row is alike.
        float loss = new NtXentLoss(1f).loss(rows(1, 0, 0, 1), rows(0, 1, 1, 0)).getFloat();
        assertThat((double) loss).isCloseTo(Math.log(2 + Math.E), within(1e-5));
    }

    @Test
    void vicRegVarianceTermOnAConstantDimension() {
        // z1 = z2 = [[1,0],[-1,0]]: invariance 0; column 0 has unbiased variance 2, std > 1, no hinge;
        // column 1 is constant, std = sqrt(1e-4) = 0.01, hinge 0.99; mean over 2 columns 0.495 per view,
        // averaged over the views 0.495; covariance [[2,0],[0,0]] has no off-diagonal. 25 * 0.495 = 12.375.
        float loss = new VicRegLoss(25, 25, 1).loss(rows(1, 0, -1, 0), rows(1, 0, -1, 0)).getFloat();
        assertThat((double) loss).isCloseTo(12.375, within(1e-4));
    }

    @Test
    void vicRegCovarianceAndInvarianceTerms() {
        // z1 = [[1,1],[-1,-1]], z2 = z1 + 0.5: invariance mean((0.5)^2) = 0.25; both columns have std ~1.414,
        // no hinge; centred, both views have covariance [[2,2],[2,2]]: off-diagonal squares 8, / D = 4 each.
        // 25 * 0.25 + 25 * 0 + 1 * (4 + 4) = 14.25.
        float loss = new VicRegLoss(25, 25, 1).loss(rows(1, 1, -1, -1), rows(1.5f, 1.5f, -0.5f, -0.5f)).getFloat();
        assertThat((double) loss).isCloseTo(14.25, within(1e-4));
    }

    @Test
    void vicRegRefusesABatchOfOne() {
        assertThatThrownBy(() -> new VicRegLoss(25, 25, 1).loss(rows(1, 0), rows(1, 0)))
                .hasMessageContaining("at least 2 images");
    }

    @Test
    void temperatureMustBePositive() {
        assertThatThrownBy(() -> new NtXentLoss(0f)).hasMessageContaining("temperature 0.0");
    }

    static Stream<SslObjective> objectives() {
        return Stream.of(new VicRegLoss(25, 25, 1), new NtXentLoss(0.5f));
    }

    /**
     * Regression, issue 4: VICReg's weights turned NaN when it trained after other work in the same
     * JVM. A loss that passed a Java number to {@code mul}, {@code div} or {@code maximum} left
     * autograd holding a tensor over a direct buffer DJL had already let go of; a collection between
     * forward and backward freed it, and backward multiplied by whatever the allocator wrote there.
     */
    @ParameterizedTest
    @MethodSource("objectives")
    void aGarbageCollectionBetweenForwardAndBackwardLeavesTheGradientAlone(SslObjective objective)
            throws InterruptedException {
        float[] undisturbed = gradient(objective, false);
        float[] collected = gradient(objective, true);
        for (float g : undisturbed) {
            assertThat(g).isFinite();
        }
        assertThat(undisturbed).isNotEqualTo(new float[undisturbed.length]);
        assertThat(collected).containsExactly(undisturbed);
    }

    /** The gradient of the loss of two 8×4 views (fixed random values) with respect to both. */
    private static float[] gradient(SslObjective objective, boolean collectBeforeBackward) throws InterruptedException {
        Random random = new Random(4);
        float[] values = new float[16 * 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        try (NDManager batch = manager.newSubManager()) {
            NDArray views = batch.create(values, new Shape(16, 4));
            views.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = objective.loss(views.get("0:8"), views.get("8:"));
                if (collectBeforeBackward) {
                    GarbageCollection.collectAndFree();
                }
                collector.backward(loss);
            }
            return views.getGradient().toFloatArray();
        }
    }
}
