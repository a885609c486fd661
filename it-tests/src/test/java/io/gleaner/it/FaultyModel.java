package io.gleaner.it;

import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.PredictorFactory;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.FramePredictor;
import io.gleaner.scorer.model.FrameScore;
import io.gleaner.scorer.model.InferenceOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A real model with faults injected at the predictor the scorer stage uses ({@link PredictorFactory}):
 * it throws on chosen frames, returns NaN for others, and can take extra time per frame. The broker,
 * the stores, the transactions and the database stay real; only the model misbehaves.
 */
final class FaultyModel implements PredictorFactory {
    /** What the model does with one frame. */
    enum Fault {
        /** Scores it normally. */
        NONE,
        /** Throws when the frame is in the batch. */
        THROW,
        /** Returns NaN for its steering and its embedding. */
        NAN
    }

    private final Function<String, Fault> faultByFrameId;
    private final Duration delayPerFrame;
    private final AtomicLong thrown = new AtomicLong();
    private final AtomicLong madeNaN = new AtomicLong();

    /**
     * @param faultByFrameId the fault of each frame, by frame id
     * @param delayPerFrame extra time every frame of a batch (trial inputs included) takes
     */
    FaultyModel(Function<String, Fault> faultByFrameId, Duration delayPerFrame) {
        this.faultByFrameId = Objects.requireNonNull(faultByFrameId, "faultByFrameId");
        this.delayPerFrame = Objects.requireNonNull(delayPerFrame, "delayPerFrame");
    }

    @Override
    public FramePredictor predictor(DrivingModel model, int batchSize, InferenceOptions options) {
        return new Faulty(BATCH_PREDICTOR.predictor(model, batchSize, options));
    }

    /** Batch predictions that threw because of an injected fault (a poison frame is in several). */
    long predictionsThrown() {
        return thrown.get();
    }

    /** Frame scores made NaN (a frame scored in several attempts counts in each). */
    long scoresMadeNaN() {
        return madeNaN.get();
    }

    private final class Faulty implements FramePredictor {
        private final FramePredictor real;
        private final Fault[] slots;
        private final String[] frameIds;

        Faulty(FramePredictor real) {
            this.real = real;
            this.slots = new Fault[real.batchSize()];
            this.frameIds = new String[real.batchSize()];
            Arrays.fill(slots, Fault.NONE);
        }

        @Override
        public int batchSize() {
            return real.batchSize();
        }

        @Override
        public String device() {
            return real.device();
        }

        @Override
        public void decode(int slot, FrameEvent frame) {
            real.decode(slot, frame);
            slots[slot] = faultByFrameId.apply(frame.getFrameId());
            frameIds[slot] = frame.getFrameId();
        }

        @Override
        public List<FrameScore> score(int count) {
            delay(count);
            for (int slot = 0; slot < count; slot++) {
                if (slots[slot] == Fault.THROW) {
                    thrown.incrementAndGet();
                    throw new IllegalStateException("injected fault: the model fails on frame " + frameIds[slot]);
                }
            }
            List<FrameScore> scores = new ArrayList<>(real.score(count));
            for (int slot = 0; slot < count; slot++) {
                if (slots[slot] == Fault.NAN) {
                    madeNaN.incrementAndGet();
                    scores.set(slot, withNaN(scores.get(slot)));
                }
            }
            return scores;
        }

        @Override
        public List<FrameScore> trial(int count) {
            delay(count);
            Arrays.fill(slots, 0, count, Fault.NONE);
            return real.trial(count);
        }

        private void delay(int frames) {
            if (delayPerFrame.isZero()) {
                return;
            }
            // The injected fault is the time itself: a model this slow, not a wait for something.
            try {
                TimeUnit.NANOSECONDS.sleep(delayPerFrame.toNanos() * frames);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the slow model ran", e);
            }
        }

        private static FrameScore withNaN(FrameScore s) {
            float[] embedding = s.embedding().clone();
            embedding[embedding.length / 2] = Float.NaN;
            return new FrameScore(s.sceneProbabilities(), Float.NaN, s.acceleration(), s.steeringSpread(),
                    s.accelerationSpread(), s.sampleProbabilities(), s.sampleSteering(), s.sampleAcceleration(),
                    embedding, s.novelty());
        }
    }
}
