/**
 * Self-supervised pretraining of a {@link io.gleaner.scorer.model.Backbone} on unlabeled frames
 * (SimCLR and VICReg), the augmentations both learn invariance to, the collapse watch, resumable
 * checkpoints, and the linear probe that tells whether the learned features are any good.
 */
package io.gleaner.retrain.ssl;
