package io.gleaner.retrain.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * SimCLR's normalised temperature-scaled cross entropy (NT-Xent). The {@code 2N} projections are
 * L2-normalised; for each one, the other view of the same image is the positive and the other
 * {@code 2N-2} are negatives: {@code loss = mean_i -log(exp(s(i,p(i))/t) / sum_{k != i} exp(s(i,k)/t))}
 * with {@code s} the cosine similarity and {@code t} the temperature.
 *
 * <p>Every constant is an array on the views' manager, never a Java number: see {@link SslObjective}.
 */
public final class NtXentLoss implements SslObjective {
    private final float temperature;

    /** @param temperature softmax temperature, in (0, 10]; SimCLR uses 0.1 to 0.5 */
    public NtXentLoss(float temperature) {
        if (!(temperature > 0 && temperature <= 10)) {
            throw new IllegalArgumentException("NT-Xent temperature " + temperature + " must be in (0, 10]");
        }
        this.temperature = temperature;
    }

    @Override
    public NDArray loss(NDArray view1, NDArray view2) {
        NDManager manager = view1.getManager();
        int n = Math.toIntExact(view1.getShape().get(0));
        NDArray z = view1.concat(view2, 0);
        z = z.div(z.norm(new int[] {1}, true).maximum(manager.create(1e-12f)));
        NDArray similarity = z.matMul(z.transpose()).div(manager.create(temperature));
        float[] self = new float[4 * n * n];
        float[] positive = new float[4 * n * n];
        for (int i = 0; i < 2 * n; i++) {
            self[i * 2 * n + i] = 1e9f;
            positive[i * 2 * n + (i + n) % (2 * n)] = 1f;
        }
        Shape square = new Shape(2L * n, 2L * n);
        NDArray logProbabilities = similarity.sub(manager.create(self, square)).logSoftmax(1);
        return logProbabilities.mul(manager.create(positive, square)).sum().neg().div(manager.create(2f * n));
    }
}
