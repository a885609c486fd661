package io.gleaner.scorer;

import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.FramePredictor;
import io.gleaner.scorer.model.InferenceOptions;

/**
 * Makes the calling stream thread's {@link FramePredictor} of a model. Production uses
 * {@link #BATCH_PREDICTOR}; fault tests pass one that wraps it, to make the model throw, return NaN
 * or slow down on chosen frames while everything else (broker, stores, transactions) is real.
 */
@FunctionalInterface
public interface PredictorFactory {
    /** The model's own per-thread {@link io.gleaner.scorer.model.BatchPredictor}. */
    PredictorFactory BATCH_PREDICTOR = DrivingModel::predictor;

    /**
     * The calling thread's predictor of {@code model}, with batches of {@code batchSize} rows. Called
     * once per model and thread by each stream task; the model owns and closes what it returns.
     */
    FramePredictor predictor(DrivingModel model, int batchSize, InferenceOptions options);
}
