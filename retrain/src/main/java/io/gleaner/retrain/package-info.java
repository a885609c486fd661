/**
 * Retraining: the shared {@link io.gleaner.retrain.TrainingLoop}, the seed model
 * ({@link io.gleaner.retrain.SeedTrainer}), fine-tuning on labels ({@link io.gleaner.retrain.FineTuner}),
 * the held-out {@link io.gleaner.retrain.EvaluationGate}, the PostgreSQL
 * {@link io.gleaner.retrain.ModelRegistry} (versions, promotions, the labels each version used),
 * announcing live versions on {@code model-updates} ({@link io.gleaner.retrain.ModelPublisher}), and
 * the {@link io.gleaner.retrain.RetrainService} that ties them together when one of its
 * {@link io.gleaner.retrain.RetrainTriggers} fires, one run at a time across instances
 * ({@link io.gleaner.retrain.RetrainLock}). {@link io.gleaner.retrain.ModelAdmin} is what an admin
 * does by hand: promote a chosen version, roll back. Artifacts are kept in an
 * {@link io.gleaner.retrain.artifact.ArtifactStore}.
 */
package io.gleaner.retrain;
