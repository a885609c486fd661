package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.gleaner.scorer.model.DjlRuntime;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The driving loss's gradient, with and without a garbage collection between forward and backward. */
class DrivingLossTest {
    private static final int BATCH = 4;
    private static final int CLASSES = 3;

    /**
     * Regression, issue 4 (found in VICReg, the same here): {@code mul(sceneWeight)} with a Java
     * number left autograd holding a tensor over a direct buffer DJL had already let go of; a
     * collection between forward and backward freed it, and the scene term's gradient was
     * multiplied by whatever the allocator wrote there.
     */
    @Test
    void aGarbageCollectionBetweenForwardAndBackwardLeavesTheGradientAlone() throws InterruptedException {
        float[] undisturbed = sceneLogitGradient(false);
        float[] collected = sceneLogitGradient(true);
        for (float g : undisturbed) {
            assertThat(g).isFinite();
        }
        assertThat(undisturbed).isNotEqualTo(new float[undisturbed.length]);
        assertThat(collected).containsExactly(undisturbed);
    }

    /** The gradient of the loss with respect to the scene logits, on fixed random predictions. */
    private static float[] sceneLogitGradient(boolean collectBeforeBackward) throws InterruptedException {
        DjlRuntime.ensureOffline();
        Random random = new Random(4);
        float[] logits = new float[BATCH * CLASSES];
        float[] actions = new float[BATCH * 2];
        float[] targets = new float[BATCH * 2];
        float[] oneHot = new float[BATCH * CLASSES];
        for (int i = 0; i < BATCH; i++) {
            for (int c = 0; c < CLASSES; c++) {
                logits[i * CLASSES + c] = (float) random.nextGaussian();
            }
            for (int a = 0; a < 2; a++) {
                actions[i * 2 + a] = (float) random.nextGaussian();
                targets[i * 2 + a] = (float) random.nextGaussian();
            }
            oneHot[i * CLASSES + random.nextInt(CLASSES)] = 1f;
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray sceneLogits = manager.create(logits, new Shape(BATCH, CLASSES));
            NDArray action = manager.create(actions, new Shape(BATCH, 2));
            sceneLogits.setRequiresGradient(true);
            action.setRequiresGradient(true);
            NDList labels = new NDList(manager.create(targets, new Shape(BATCH, 2)),
                    manager.create(oneHot, new Shape(BATCH, CLASSES)));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = new DrivingLoss(0.5f).evaluate(labels, new NDList(sceneLogits, action));
                if (collectBeforeBackward) {
                    GarbageCollection.collectAndFree();
                }
                collector.backward(loss);
            }
            return sceneLogits.getGradient().toFloatArray();
        }
    }
}
