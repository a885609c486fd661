/**
 * Retraining: the shared {@link io.gleaner.retrain.TrainingLoop}, the seed model
 * ({@link io.gleaner.retrain.SeedTrainer}), fine-tuning on labels ({@link io.gleaner.retrain.FineTuner}),
 * the held-out {@link io.gleaner.retrain.EvaluationGate}, the PostgreSQL
 * {@link io.gleaner.retrain.ModelRegistry}, announcing live versions on {@code model-updates}
 * ({@link io.gleaner.retrain.ModelPublisher}), and the {@link io.gleaner.retrain.RetrainService}
 * that ties them together when enough new labels have arrived.
 */
package io.gleaner.retrain;
