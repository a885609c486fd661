package io.gleaner.retrain.ssl;

import java.util.Locale;
import java.util.Objects;

/**
 * How to pretrain a backbone self-supervised.
 *
 * @param method SimCLR or VICReg
 * @param epochs passes over the images, at least 1
 * @param batchSize images per step (each gives two views), 8..4096
 * @param learningRate peak AdamW learning rate, reached after a linear warm-up, then cosine decay to 0
 * @param warmupFraction share of all steps spent warming up, 0..0.5
 * @param weightDecay AdamW's decoupled weight decay, 0..1
 * @param temperature NT-Xent temperature (SimCLR only)
 * @param vicregInvariance VICReg's lambda
 * @param vicregVariance VICReg's mu
 * @param vicregCovariance VICReg's nu
 * @param projectorHidden width of the projector's hidden layer
 * @param projectorOutput width of the projection the loss sees
 * @param augmentation the views' augmentations
 * @param monitorImages images (the first ones of the set, not augmented) embedded after each
 *     epoch for the collapse watch, 2..8192
 * @param minEffectiveRank collapse when the monitor embeddings' effective rank falls below this
 * @param minStd collapse when their normalised standard deviation falls below this
 * @param seed seeds initialisation, shuffling and augmentation
 */
public record PretrainConfig(SslMethod method, int epochs, int batchSize, double learningRate, double warmupFraction,
        double weightDecay, double temperature, double vicregInvariance, double vicregVariance, double vicregCovariance,
        int projectorHidden, int projectorOutput, AugmentationConfig augmentation, int monitorImages,
        double minEffectiveRank, double minStd, long seed) {
    public PretrainConfig {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(augmentation, "augmentation");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs " + epochs + " must be at least 1");
        }
        if (batchSize < 8 || batchSize > 4096) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be in 8..4096 (contrastive and "
                    + "variance terms need several images per batch)");
        }
        if (!(learningRate > 0 && learningRate < 1)) {
            throw new IllegalArgumentException("learning rate " + learningRate + " must be in (0, 1)");
        }
        if (!(warmupFraction >= 0 && warmupFraction <= 0.5)) {
            throw new IllegalArgumentException("warm-up fraction " + warmupFraction + " must be in 0..0.5");
        }
        if (!(weightDecay >= 0 && weightDecay <= 1)) {
            throw new IllegalArgumentException("weight decay " + weightDecay + " must be in 0..1");
        }
        if (!(temperature > 0 && temperature <= 10)) {
            throw new IllegalArgumentException("temperature " + temperature + " must be in (0, 10]");
        }
        if (!(vicregInvariance >= 0 && vicregVariance >= 0 && vicregCovariance >= 0)) {
            throw new IllegalArgumentException("VICReg weights must be non-negative");
        }
        if (projectorHidden < 8 || projectorHidden > 8192 || projectorOutput < 8 || projectorOutput > 8192) {
            throw new IllegalArgumentException("projector sizes " + projectorHidden + " and " + projectorOutput
                    + " must be in 8..8192");
        }
        if (monitorImages < 2 || monitorImages > 8192) {
            throw new IllegalArgumentException("monitor images " + monitorImages + " must be in 2..8192");
        }
        if (!(minEffectiveRank >= 0) || !(minStd >= 0)) {
            throw new IllegalArgumentException("collapse thresholds must be non-negative");
        }
    }

    /**
     * Defaults for 28–96 px frames: batch 128, AdamW with 5% warm-up and cosine decay; SimCLR at
     * 1e-3 and temperature 0.5; VICReg at 5e-4 with the paper's 25/25/1 and a wider projector (its
     * variance and covariance terms work on the projection's dimensions). On Fashion-MNIST with a
     * width-8, 4-stage backbone, SimCLR at 5e-4 and temperature 0.2 (batch 256) saw its loss rise
     * in the second epoch (5.22 to 5.38), while 1e-3, 0.5 and batch 128 kept falling (4.53 to 4.09);
     * small batches and short runs favour the higher temperature. At 2e-3 VICReg's loss went from 28
     * to 2,600 and NaN within two epochs of 8,192 images. Collapse below effective rank 2 or
     * normalised std 0.01: a collapsed representation is near 0 on both, while a healthy but young
     * one can sit at 0.03 (ReLU features of a random network all point into the same orthant).
     */
    public static PretrainConfig defaults(SslMethod method, int epochs) {
        boolean vicreg = method == SslMethod.VICREG;
        return new PretrainConfig(method, epochs, 128, vicreg ? 5e-4 : 1e-3, 0.05, 1e-4, 0.5, 25, 25, 1,
                vicreg ? 512 : 256, vicreg ? 512 : 128, AugmentationConfig.defaults(), 2048, 2.0, 0.01, 42);
    }

    /** This config with another epoch count, batch size and seed. */
    public PretrainConfig with(int newEpochs, int newBatchSize, long newSeed) {
        return new PretrainConfig(method, newEpochs, newBatchSize, learningRate, warmupFraction, weightDecay,
                temperature, vicregInvariance, vicregVariance, vicregCovariance, projectorHidden, projectorOutput,
                augmentation, monitorImages, minEffectiveRank, minStd, newSeed);
    }

    /** The loss this config trains with. */
    public SslObjective objective() {
        return method == SslMethod.SIMCLR
                ? new NtXentLoss((float) temperature)
                : new VicRegLoss((float) vicregInvariance, (float) vicregVariance, (float) vicregCovariance);
    }

    /** Every value that changes the result, as one line: a checkpoint resumes only under the same one. */
    String fingerprint() {
        return String.format(Locale.ROOT, "%s epochs=%d batch=%d lr=%s warmup=%s wd=%s t=%s vicreg=%s/%s/%s "
                        + "projector=%d/%d %s seed=%d", method.id(), epochs, batchSize, learningRate, warmupFraction,
                weightDecay, temperature, vicregInvariance, vicregVariance, vicregCovariance, projectorHidden,
                projectorOutput, augmentation, seed);
    }
}
