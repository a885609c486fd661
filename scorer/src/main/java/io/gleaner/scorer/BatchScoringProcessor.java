package io.gleaner.scorer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.schema.DlqHeaders;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.OutputSample;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.BatchPredictor;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.FrameScore;
import io.gleaner.scorer.model.FramePredictor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.ValueTimestampHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers frames in a changelogged store under a per-task sequence number and scores them in
 * arrival order, a batch at a time (one forward pass of up to {@link ScorerConfig#batchSize()} frames,
 * padded to a power of two rows, see {@link BatchPredictor#paddedRows}),
 * when a batch is full or the wall-clock punctuator fires ({@link ScorerConfig#maxBatchDelay()}).
 * Frames stay buffered while there is no model.
 *
 * <p>Why a crash loses no frame taken into a batch: the input offset of a frame is committed once
 * the frame is in the buffer store, but the store is changelogged, and under exactly-once its
 * changelog write commits in the same transaction as that offset. The frame leaves the store
 * (a tombstone in the changelog) only in the transaction that also writes its score (or, when its
 * image cannot be read, its dead letter). So after a crash either the transaction committed, and
 * the frame is in the restored store or already scored, or it aborted, and the frame is read again
 * from {@code frames.valid}. On restart {@link #init} counts what the restored store holds and
 * scores it first, in arrival order, continuing the sequence after the last buffered number.
 *
 * <p>Scoring uses the stream thread's own {@link FramePredictor} of the leased model (made by the
 * {@link PredictorFactory}; in production the model's {@link io.gleaner.scorer.model.BatchPredictor}):
 * frames are decoded straight into its input buffer, and the batch's outputs are the scene
 * probabilities, the action with its MC-dropout spread and samples, the embedding and its novelty.
 *
 * <p>Poison frames: when a batch prediction throws, {@link PoisonFrameSearch} scores a known-good
 * trial input and then the batch in halves, down to the frames the model throws on alone; those go
 * to {@code frames.dlq} ({@link #REASON_MODEL_FAILED}) and the others are scored. A frame with a NaN or
 * infinite output goes to {@code frames.dlq} too ({@link #REASON_NON_FINITE_OUTPUT}), never to
 * {@code frames.scored}. The model itself is retired (its frames stay buffered for the next version)
 * only when it fails the trial input, more than half of a batch of at least
 * {@link #MIN_FRAMES_TO_BLAME_MODEL} frames, or more than half of the last {@link #RECENT_FRAMES}
 * frames this task tried with it.
 *
 * <p>Slow models: a batch takes as many frames as {@link BatchPacing} expects to fit in
 * {@link ScorerConfig#maxBatchTime()}, measured per task (first with two trial inputs when a model is
 * new to the task). One flush scores at most {@link #MAX_BATCHES_PER_FLUSH} batches and starts no
 * batch expected to end past {@code 2 × maxBatchTime} (it always scores one): under exactly-once a
 * flush runs inside a transaction, and a backlog built up while no model was published must not run
 * past {@code transaction.timeout.ms}. A flush that took longer than {@code maxBatchTime} asks Streams
 * to commit, so the next flush starts a new transaction. The rest waits for the next punctuation.
 */
final class BatchScoringProcessor implements Processor<String, byte[], String, ScorerOutput> {
    /** Batches one flush may score. */
    static final int MAX_BATCHES_PER_FLUSH = 8;
    /** The larger of the two trial batches that size a new model's batches. */
    static final int TRIAL_FRAMES = 4;
    /** A batch smaller than this never blames the model for its failed frames, however many fail. */
    static final int MIN_FRAMES_TO_BLAME_MODEL = 8;
    /** The latest frames of a task whose failure share can retire a model. */
    static final int RECENT_FRAMES = 64;
    /** Frames a task must have tried with a model before their failure share can retire it. */
    static final int MIN_RECENT_FRAMES = 16;
    /** DLQ reason of a frame whose image the model cannot preprocess. */
    static final String REASON_UNSCORABLE_IMAGE = "unscorable-image";
    /** DLQ reason of a frame the model throws on (alone, while it scores other frames and a trial input). */
    static final String REASON_MODEL_FAILED = "model-failed-on-frame";
    /** DLQ reason of a frame for which the model gave a NaN or infinite output. */
    static final String REASON_NON_FINITE_OUTPUT = "non-finite-model-output";
    /** DLQ reason of a buffered frame that is no longer a {@code FrameEvent}. */
    static final String REASON_UNPARSEABLE_PROTOBUF = "unparseable-protobuf";

    private static final Logger LOG = LoggerFactory.getLogger(BatchScoringProcessor.class);
    private static final long BUFFER_WARNING_INTERVAL_MS = 60_000;

    private final ScorerConfig config;
    private final ModelHolder holder;
    private final ModelFollower follower;
    private final ScorerMetrics metrics;
    private final PredictorFactory predictors;
    private final RecentFailures recentFailures = new RecentFailures(RECENT_FRAMES, MIN_RECENT_FRAMES);

    private ProcessorContext<String, ScorerOutput> context;
    private KeyValueStore<Long, BufferedFrame> buffer;
    private ReadOnlyKeyValueStore<String, ?> modelUpdates;
    private long nextSequence;
    // The oldest sequence number still buffered (or nextSequence when none is). Batches are read
    // from here with a range rather than all(): RocksDB keeps the tombstones of scored frames until
    // compaction, and an iterator from the start would step over every one of them each batch.
    private long firstBuffered;
    private long waiting;
    private boolean warnedNoModel;
    private long nextBufferWarningMs = Long.MIN_VALUE;
    // The model this task scores with, the thread its predictor belongs to, and how it paces batches.
    private DrivingModel pacedModel;
    private Thread predictorThread;
    private FramePredictor predictor;
    private BatchPacing pacing;
    private boolean warnedOverBudget;

    BatchScoringProcessor(ScorerConfig config, ModelHolder holder, ModelFollower follower, ScorerMetrics metrics,
            PredictorFactory predictors) {
        this.config = config;
        this.holder = holder;
        this.follower = follower;
        this.metrics = metrics;
        this.predictors = predictors;
    }

    @Override
    public void init(ProcessorContext<String, ScorerOutput> context) {
        this.context = context;
        this.buffer = context.getStateStore(ScorerTopology.BATCH_BUFFER_STORE);
        this.modelUpdates = context.getStateStore(ScorerTopology.MODEL_UPDATES_STORE);
        // Sequence numbers are non-negative longs, whose big-endian bytes sort like the numbers,
        // so the store iterates in arrival order. After a restart, continue after the last one.
        try (KeyValueIterator<Long, BufferedFrame> last = buffer.reverseAll()) {
            nextSequence = last.hasNext() ? last.next().key + 1 : 0;
        }
        firstBuffered = nextSequence;
        try (KeyValueIterator<Long, BufferedFrame> all = buffer.all()) {
            while (all.hasNext()) {
                long key = all.next().key;
                firstBuffered = Math.min(firstBuffered, key);
                waiting++;
            }
        }
        metrics.waitingChanged(waiting);
        if (waiting > 0) {
            LOG.info("task {}: {} frames buffered before the restart wait to be scored", context.taskId(), waiting);
        }
        context.schedule(config.maxBatchDelay(), PunctuationType.WALL_CLOCK_TIME, now -> scoreBuffered());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        Optional<RecordMetadata> source = context.recordMetadata();
        // The bytes as read: parsed once, when the frame is scored (a frame that is not a
        // FrameEvent goes to the DLQ then, with its offset).
        buffer.put(nextSequence++, new BufferedFrame(record.key(), record.timestamp(),
                source.map(RecordMetadata::partition).orElse(-1), source.map(RecordMetadata::offset).orElse(-1L),
                record.value()));
        waiting++;
        metrics.waitingChanged(1);
        warnIfOverLimit();
        if (waiting >= (pacing == null ? config.batchSize() : pacing.framesPerBatch())) {
            scoreBuffered();
        }
    }

    @Override
    public void close() {
        metrics.waitingChanged(-waiting);
        waiting = 0;
    }

    private void warnIfOverLimit() {
        if (waiting <= config.maxBufferedFrames()) {
            return;
        }
        long now = context.currentSystemTimeMs();
        if (now < nextBufferWarningMs) {
            return;
        }
        nextBufferWarningMs = now + BUFFER_WARNING_INTERVAL_MS;
        metrics.bufferLimitWarned();
        String serving = holder.currentVersion().isEmpty() ? "no model is served" : "version "
                + holder.currentVersion() + " is served but scoring does not keep up";
        LOG.warn("task {}: {} frames wait in {}, more than scorer.max-buffered-frames ({}); {}. Frames are kept, "
                + "not dropped. Publish a {} model (or check why retrain has not published one, and the scorer's "
                + "last model load error: {}), or add scorer instances.", context.taskId(), waiting,
                ScorerTopology.BATCH_BUFFER_STORE, config.maxBufferedFrames(), serving, config.modelName(),
                metrics.lastModelLoadError().isEmpty() ? "none" : metrics.lastModelLoadError());
    }

    /** Scores the oldest buffered frames, a bounded number of batches, with the latest model; none without one. */
    private void scoreBuffered() {
        if (waiting == 0) {
            return;
        }
        follower.catchUp(latestUpdate(), context.currentSystemTimeMs());
        Optional<ModelHolder.Lease> lease = holder.acquire();
        if (lease.isEmpty()) {
            if (!warnedNoModel) {
                warnedNoModel = true;
                LOG.warn("task {}: no {} model is served (none was published yet, or the latest was refused: {}); "
                        + "{} frames wait in {} until one is", context.taskId(), config.modelName(),
                        metrics.lastModelLoadError().isEmpty() ? "no error" : metrics.lastModelLoadError(), waiting,
                        ScorerTopology.BATCH_BUFFER_STORE);
            }
            return;
        }
        warnedNoModel = false;
        DrivingModel failedModel = null;
        RuntimeException failure = null;
        long started = System.nanoTime();
        long flushBudget = config.maxBatchTime().multipliedBy(2).toNanos();
        // One lease for all batches: a swap waits until this flush is done, never splits a batch.
        try (ModelHolder.Lease pinned = lease.get()) {
            try {
                pace(pinned.model());
                for (int batches = 0; batches < MAX_BATCHES_PER_FLUSH && waiting > 0; batches++) {
                    int frames = pacing.framesPerBatch();
                    List<KeyValue<Long, BufferedFrame>> batch = nextBatch(frames);
                    score(batch, pinned.model());
                    long elapsed = System.nanoTime() - started;
                    if (batch.size() < frames
                            || elapsed + pacing.expectedNanos(pacing.framesPerBatch()) > flushBudget) {
                        break;
                    }
                }
            } catch (PredictionFailed e) {
                failedModel = pinned.model();
                failure = e.failure;
            }
        }
        // Outside the lease: retiring the model waits for every lease, this thread's included.
        if (failure != null) {
            follower.batchFailed(failedModel, failure);
        }
        if (System.nanoTime() - started > config.maxBatchTime().toNanos()) {
            // A slow flush: commit now, so the next one starts a new transaction rather than add to this.
            context.commit();
        }
    }

    private List<KeyValue<Long, BufferedFrame>> nextBatch(int frames) {
        List<KeyValue<Long, BufferedFrame>> batch = new ArrayList<>(frames);
        try (KeyValueIterator<Long, BufferedFrame> entries = buffer.range(firstBuffered, Long.MAX_VALUE)) {
            while (entries.hasNext() && batch.size() < frames) {
                batch.add(entries.next());
            }
        }
        return batch;
    }

    /**
     * Makes this thread's predictor of {@code model} and, when the model is new to this task, sizes
     * its batches from trial inputs: one that warms the model up, then batches of 1 and of up to 4
     * trial frames (as many rows), twice each, timed (the faster of each pair counts, as a hiccup only
     * ever adds time), which tell a cost per row from a cost per batch; logs the device, batch size,
     * threads and first batch size then.
     */
    private void pace(DrivingModel model) throws PredictionFailed {
        if (model == pacedModel && Thread.currentThread() == predictorThread) {
            return;
        }
        int batchSize = config.batchSize();
        BatchPacing fresh = new BatchPacing(batchSize, config.maxBatchTime().toNanos(),
                frames -> BatchPredictor.paddedRows(frames, batchSize));
        FramePredictor made;
        try {
            made = predictors.predictor(model, config.batchSize(), config.inference());
            checkedTrial(made, 1);
            for (int frames : new LinkedHashSet<>(List.of(1, Math.min(TRIAL_FRAMES, config.batchSize())))) {
                long fastest = Long.MAX_VALUE;
                for (int round = 0; round < 2; round++) {
                    long start = System.nanoTime();
                    checkedTrial(made, frames);
                    fastest = Math.min(fastest, System.nanoTime() - start);
                }
                fresh.measured(frames, fastest);
            }
        } catch (RuntimeException e) {
            throw new PredictionFailed(e);
        }
        pacedModel = model;
        predictorThread = Thread.currentThread();
        predictor = made;
        pacing = fresh;
        warnedOverBudget = false;
        recentFailures.clear();
        LOG.info("task {}: scoring with {} version {} on device {}: batches of up to {} frames (padded to a "
                + "power of two rows), {} MC-dropout samples, novelty against {} reference embeddings, {} PyTorch "
                + "intra-op threads on {}; trial batches took {} ms plus {} ms per row, so batches start at {} frames "
                + "(scorer.max-batch-time {} ms)",
                context.taskId(), config.modelName(), model.version(), made.device(), config.batchSize(),
                config.inference().mcSamples(), config.inference().referenceBankSize(),
                BatchPredictor.intraOpThreads(), Thread.currentThread().getName(),
                String.format("%.1f", fresh.fixedMillis()), String.format("%.1f", fresh.perRowMillis()),
                fresh.framesPerBatch(),
                config.maxBatchTime().toMillis());
    }

    /** {@code frames} trial inputs through {@code made}; a NaN or infinite output counts as a failure. */
    private static void checkedTrial(FramePredictor made, int frames) {
        for (FrameScore score : made.trial(frames)) {
            score.nonFiniteOutput().ifPresent(output -> {
                throw new IllegalStateException("the trial input (zeros) gave a non-finite output: " + output);
            });
        }
    }

    /**
     * Scores one batch and removes it from the buffer, forwarding a score or a dead letter per frame
     * in arrival order. When the prediction fails, nothing is forwarded or removed.
     */
    private void score(List<KeyValue<Long, BufferedFrame>> batch, DrivingModel model) throws PredictionFailed {
        if (batch.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        FrameEvent[] events = new FrameEvent[batch.size()];
        Record<String, ScorerOutput>[] deadLetters = newRecordArray(batch.size());
        String[] details = new String[batch.size()];
        // Batch index of each decoded frame, in slot order.
        int[] decodedAt = new int[batch.size()];
        int decoded = 0;
        for (int i = 0; i < batch.size(); i++) {
            BufferedFrame buffered = batch.get(i).value;
            FrameEvent event;
            try {
                event = FrameEvent.parseFrom(buffered.frame());
            } catch (InvalidProtocolBufferException e) {
                details[i] = "buffered frame " + batch.get(i).key + " (" + buffered.frame().length
                        + " bytes) is not a FrameEvent: " + e.getMessage();
                deadLetters[i] = deadLetter(buffered, REASON_UNPARSEABLE_PROTOBUF, details[i], e);
                continue;
            }
            try {
                predictor.decode(decoded, event);
                decodedAt[decoded++] = i;
                events[i] = event;
            } catch (IllegalArgumentException e) {
                // Ingest decoded and bounded every image before frames.valid, so this means ingest
                // and scorer disagree about a format; the frame goes to the DLQ, the stream goes on.
                details[i] = "frame " + event.getFrameId() + ": model " + model.version()
                        + " cannot preprocess its image: " + e.getMessage();
                deadLetters[i] = deadLetter(buffered, REASON_UNSCORABLE_IMAGE, details[i], e);
            }
        }
        FrameScore[] scores = decoded == 0 ? new FrameScore[batch.size()]
                : isolateFailures(model, batch, events, decodedAt, decoded, deadLetters, details);
        long scoredAt = context.currentSystemTimeMs();
        int scoredFrames = 0;
        for (int i = 0; i < batch.size(); i++) {
            BufferedFrame buffered = batch.get(i).value;
            if (deadLetters[i] == null) {
                ScoredFrame scored = scored(events[i], scores[i], model, predictor.device(), scoredAt);
                context.forward(new Record<>(buffered.key(), new ScorerOutput.Scored(scored), buffered.timestamp()));
                scoredFrames++;
            } else {
                metrics.frameSkipped();
                LOG.warn("task {}: buffered frame {} (key {}) sent to {}: {}", context.taskId(), batch.get(i).key,
                        buffered.key(), Topics.FRAMES_DLQ.name(), details[i]);
                context.forward(deadLetters[i]);
            }
        }
        for (KeyValue<Long, BufferedFrame> entry : batch) {
            buffer.delete(entry.key);
        }
        firstBuffered = batch.get(batch.size() - 1).key + 1;
        waiting -= batch.size();
        metrics.waitingChanged(-batch.size());
        if (decoded > 0) {
            metrics.batchScored(scoredFrames, System.nanoTime() - start);
        }
    }

    /**
     * Scores the {@code decoded} frames in the predictor's slots, finding the frames the model throws
     * on or gives non-finite outputs for: their dead letters and details are filled in. Measures the
     * batch for pacing when it scored whole.
     *
     * @return per batch index, the frame's score; null for a frame that goes to the DLQ
     *
     * @throws PredictionFailed when it is the model that fails, not some frames: nothing is forwarded
     */
    private FrameScore[] isolateFailures(DrivingModel model, List<KeyValue<Long, BufferedFrame>> batch, FrameEvent[] events,
            int[] decodedAt, int decoded, Record<String, ScorerOutput>[] deadLetters, String[] details)
            throws PredictionFailed {
        FrameScore[] scores = new FrameScore[batch.size()];
        // Whether the slots still hold every decoded frame in order, as decoded above.
        boolean[] slotsHoldBatch = {true};
        PoisonFrameSearch.Attempt<FrameScore> attempt = frames -> {
            if (!slotsHoldBatch[0] || frames.size() != decoded) {
                slotsHoldBatch[0] = false;
                for (int slot = 0; slot < frames.size(); slot++) {
                    predictor.decode(slot, events[decodedAt[frames.get(slot)]]);
                }
            }
            return predictor.score(frames.size());
        };
        Runnable trial = () -> {
            slotsHoldBatch[0] = false;
            checkedTrial(predictor, 1);
        };
        int maxFailures = decoded < MIN_FRAMES_TO_BLAME_MODEL ? decoded : decoded / 2;
        long started = System.nanoTime();
        PoisonFrameSearch.Outcome<FrameScore> outcome;
        try {
            outcome = PoisonFrameSearch.search(decoded, attempt, trial, maxFailures);
        } catch (PoisonFrameSearch.ModelCannotRun e) {
            metrics.batchFailed();
            throw new PredictionFailed(e);
        }
        if (outcome.passedWhole()) {
            pacing.measured(decoded, System.nanoTime() - started);
            warnIfOverBudget();
        } else {
            metrics.batchFailed();
            LOG.warn("task {}: model {} version {} failed a batch of {} frames ({}); {} model calls (a trial input "
                    + "and parts of the batch) found {} frames it fails on alone, which go to {}", context.taskId(),
                    config.modelName(), model.version(), decoded, outcome.firstFailure().toString(), outcome.calls(),
                    outcome.poison().size(), Topics.FRAMES_DLQ.name());
        }
        for (int d = 0; d < decoded; d++) {
            int i = decodedAt[d];
            BufferedFrame buffered = batch.get(i).value;
            RuntimeException thrown = outcome.poison().get(d);
            if (thrown != null) {
                details[i] = "frame " + events[i].getFrameId() + ": model " + model.version() + " failed on it "
                        + "alone, while it scored the other frames of its batch and a trial input: " + thrown;
                deadLetters[i] = deadLetter(buffered, REASON_MODEL_FAILED, details[i], thrown);
                metrics.modelFailedOnFrame();
                recentFailures.record(true);
                continue;
            }
            FrameScore score = outcome.scores().get(d);
            Optional<String> nonFinite = score.nonFiniteOutput();
            if (nonFinite.isPresent()) {
                details[i] = "frame " + events[i].getFrameId() + ": model " + model.version()
                        + " gave a non-finite output, " + nonFinite.get();
                deadLetters[i] = deadLetter(buffered, REASON_NON_FINITE_OUTPUT, details[i], null);
                metrics.nonFiniteOutput();
            } else {
                scores[i] = score;
            }
            recentFailures.record(nonFinite.isPresent());
        }
        if (recentFailures.mostFailed()) {
            // Before anything of this batch is forwarded: it stays buffered for the next version.
            throw new PredictionFailed(new IllegalStateException("it failed on " + recentFailures.share()
                    + " of the latest frames this task tried with it (threw, or gave NaN or infinite outputs)"));
        }
        return scores;
    }

    private void warnIfOverBudget() {
        if (warnedOverBudget || !pacing.overBudget()) {
            return;
        }
        warnedOverBudget = true;
        LOG.warn("task {}: model {} takes {} ms per batch plus {} ms per row, so not even one frame fits in "
                + "scorer.max-batch-time ({} ms); batches of {} frames. Lower scorer.batch-size, score on a faster "
                + "device, or raise scorer.max-batch-time together with scorer.transaction-timeout.",
                context.taskId(), pacedModel.version(), String.format("%.1f", pacing.fixedMillis()),
                String.format("%.1f", pacing.perRowMillis()), config.maxBatchTime().toMillis(),
                pacing.framesPerBatch());
    }

    /** A dead letter of {@code buffered}; {@code cause} is null when nothing was thrown. */
    private static Record<String, ScorerOutput> deadLetter(BufferedFrame buffered, String reason, String detail,
            Exception cause) {
        RecordHeaders headers = new RecordHeaders();
        DlqHeaders.stamp(headers, reason, detail, cause == null ? null : cause.getClass().getName(), Topics.FRAMES_VALID.name(),
                buffered.sourcePartition(), buffered.sourceOffset());
        return new Record<>(buffered.key(), new ScorerOutput.Unscorable(buffered.frame()), buffered.timestamp(),
                headers);
    }

    @SuppressWarnings("unchecked")
    private static Record<String, ScorerOutput>[] newRecordArray(int size) {
        return (Record<String, ScorerOutput>[]) new Record<?, ?>[size];
    }

    private static ScoredFrame scored(FrameEvent frame, FrameScore score, DrivingModel model, String device,
            long scoredAt) {
        ScoredFrame.Builder scored = ScoredFrame.newBuilder()
                .setFrame(frame)
                .setModelVersion(model.version())
                .addAllSceneClasses(model.sceneClasses())
                .setPredictedAction(DriverAction.newBuilder()
                        .setSteering(score.steering())
                        .setAcceleration(score.acceleration()))
                .setSteeringSpread(score.steeringSpread())
                .setAccelerationSpread(score.accelerationSpread())
                .setNovelty(score.novelty())
                .setDevice(device)
                .setScoredTimeMs(scoredAt);
        for (float p : score.sceneProbabilities()) {
            scored.addSceneProbabilities(p);
        }
        for (float e : score.embedding()) {
            scored.addEmbedding(e);
        }
        for (int k = 0; k < score.sampleSteering().length; k++) {
            OutputSample.Builder sample = OutputSample.newBuilder().setAction(DriverAction.newBuilder()
                    .setSteering(score.sampleSteering()[k]).setAcceleration(score.sampleAcceleration()[k]));
            for (float p : score.sampleProbabilities()[k]) {
                sample.addSceneProbabilities(p);
            }
            scored.addSamples(sample);
        }
        return scored.build();
    }

    private ModelUpdate latestUpdate() {
        Object stored = modelUpdates.get(config.modelName());
        if (stored instanceof ValueAndTimestamp<?> timestamped) {
            stored = timestamped.value();
        } else if (stored instanceof ValueTimestampHeaders<?> withHeaders) {
            stored = withHeaders.value();
        }
        return stored instanceof ModelUpdate update ? update : null;
    }

    /** The model threw on a batch; carries the failure out of {@link #score} to the flush. */
    private static final class PredictionFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient RuntimeException failure;

        PredictionFailed(RuntimeException failure) {
            super(failure);
            this.failure = failure;
        }
    }
}
