package io.gleaner.retrain.ssl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * VICReg (Bardes, Ponce, LeCun 2022): invariance + variance + covariance, no negatives.
 *
 * <p>Chosen over BYOL and DINO because it needs no second network: BYOL and DINO keep a
 * momentum teacher (an EMA copy of every weight, doubling memory and the state a resumable
 * checkpoint must carry) and rely on asymmetries (predictor, centering, sharpening) whose failure
 * is silent collapse. VICReg prevents collapse with explicit terms that this package's collapse
 * watch can read directly: the variance term keeps each dimension's standard deviation above 1,
 * the covariance term decorrelates dimensions (keeping the effective rank up).
 *
 * <p>{@code loss = lambda * mse(z1, z2) + mu * (mean(relu(1 - std(z1))) + mean(relu(1 - std(z2)))) / 2
 * + nu * (offdiag(cov(z1))² + offdiag(cov(z2))²).sum / D}, with {@code std = sqrt(var + 1e-4)} and
 * the unbiased variance and covariance over the batch.
 *
 * <p>Every constant is an array on the views' manager, never a Java number: see {@link SslObjective}.
 */
public final class VicRegLoss implements SslObjective {
    private static final float EPSILON = 1e-4f;

    private final float invariance;
    private final float variance;
    private final float covariance;

    /** @param invariance lambda, @param variance mu, @param covariance nu (the paper: 25, 25, 1) */
    public VicRegLoss(float invariance, float variance, float covariance) {
        if (!(invariance >= 0 && variance >= 0 && covariance >= 0) || invariance + variance + covariance == 0) {
            throw new IllegalArgumentException("VICReg weights " + invariance + ", " + variance + ", " + covariance
                    + " must be non-negative and not all zero");
        }
        this.invariance = invariance;
        this.variance = variance;
        this.covariance = covariance;
    }

    @Override
    public NDArray loss(NDArray view1, NDArray view2) {
        long n = view1.getShape().get(0);
        if (n < 2) {
            throw new IllegalArgumentException("VICReg needs at least 2 images per batch to measure variance, got " + n);
        }
        NDManager manager = view1.getManager();
        NDArray mse = view1.sub(view2).square().mean();
        NDArray centered1 = view1.sub(view1.mean(new int[] {0}, true));
        NDArray centered2 = view2.sub(view2.mean(new int[] {0}, true));
        NDArray std = stdHinge(centered1, n).add(stdHinge(centered2, n)).div(manager.create(2f));
        NDArray cov = offDiagonalSquares(centered1, n).add(offDiagonalSquares(centered2, n));
        return mse.mul(manager.create(invariance)).add(std.mul(manager.create(variance)))
                .add(cov.mul(manager.create(covariance)));
    }

    private static NDArray stdHinge(NDArray centered, long n) {
        NDManager manager = centered.getManager();
        NDArray std = centered.square().sum(new int[] {0}).div(manager.create((float) (n - 1)))
                .add(manager.create(EPSILON)).sqrt();
        return std.neg().add(manager.create(1f)).maximum(manager.create(0f)).mean();
    }

    private static NDArray offDiagonalSquares(NDArray centered, long n) {
        int d = Math.toIntExact(centered.getShape().get(1));
        NDManager manager = centered.getManager();
        NDArray cov = centered.transpose().matMul(centered).div(manager.create((float) (n - 1)));
        float[] offDiagonal = new float[d * d];
        Arrays.fill(offDiagonal, 1f);
        for (int i = 0; i < d; i++) {
            offDiagonal[i * d + i] = 0f;
        }
        return cov.square().mul(manager.create(offDiagonal, new Shape(d, d))).sum().div(manager.create((float) d));
    }
}
