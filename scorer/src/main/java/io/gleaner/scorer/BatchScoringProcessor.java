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
import io.gleaner.scorer.model.PendingScores;
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
 * A batch whose forward pass runs while the stream thread goes on (below) is no exception: its
 * frames are in the store until the transaction that forwards their scores, so a crash, or a task
 * closed at a rebalance (which waits for the pass and drops its scores), leaves them to be scored
 * again, once.
 *
 * <p>Decode overlaps the forward pass: when a batch fills up, its frames are decoded into the
 * predictor's free input while the batch before it is still in the predictor's forward thread
 * ({@link FramePredictor#submit}); then the new one is handed over as soon as that batch's pass
 * ends, that batch's scores are forwarded while the new pass runs, and {@link #process} returns.
 * The batch in flight keeps its model's lease until it is forwarded: by the next full batch, by
 * the next record after its pass ends, or by the punctuator,
 * which leaves nothing in flight. It is finished first when a newer model waits to be loaded or
 * another task retired the model. Frames stay in arrival order: one batch at most is in flight per
 * task, and one per stream thread reaches the predictor's forward thread at a time, the tasks of a
 * thread sharing its predictor.
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
    // Buffered frames not taken into a batch yet, and all buffered frames (taken or not): what
    // this task adds to the frames-waiting gauge, given back when it closes.
    private long waiting;
    private long buffered;
    // The batch whose forward pass may still run, and the lease that pins its model: held from a
    // flush to the next while a batch is in flight, otherwise only during a flush.
    private Taken inFlight;
    private ModelHolder.Lease lease;
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
        buffered = waiting;
        metrics.waitingChanged(buffered);
        if (waiting > 0) {
            LOG.info("task {}: {} frames buffered before the restart wait to be scored", context.taskId(), waiting);
        }
        context.schedule(config.maxBatchDelay(), PunctuationType.WALL_CLOCK_TIME, now -> scoreBuffered(false));
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
        buffered++;
        metrics.waitingChanged(1);
        warnIfOverLimit();
        if (waiting >= (pacing == null ? config.batchSize() : pacing.framesPerBatch())) {
            scoreBuffered(true);
        } else if (inFlight != null && inFlight.pending.isDone()) {
            drainInFlight();
        }
    }

    @Override
    public void close() {
        // The batch in flight, if any, is dropped: its frames stay in the buffer store, to be scored
        // by whoever runs the task next. The predictor waits for its pass before it runs another or
        // closes.
        inFlight = null;
        releaseLease();
        metrics.waitingChanged(-buffered);
        buffered = 0;
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
     * Scores the oldest buffered frames, a bounded number of batches, with the latest model; none
     * without one. With {@code keepLastInFlight} the last batch may still be in its forward pass when
     * this returns, and is forwarded by a later call (or {@link #drainInFlight}); otherwise every batch
     * taken is forwarded before it returns.
     */
    private void scoreBuffered(boolean keepLastInFlight) {
        if (waiting == 0 && inFlight == null) {
            return;
        }
        DrivingModel failedModel = null;
        RuntimeException failure = null;
        long started = System.nanoTime();
        try {
            if (inFlight != null && !(waiting > 0 && mayKeepModel())) {
                finishInFlight();
                releaseLease();
            }
            if (waiting > 0 && leaseModel()) {
                flush(started, keepLastInFlight);
            }
        } catch (PredictionFailed e) {
            failedModel = lease.model();
            failure = e.failure;
        } finally {
            if (inFlight == null) {
                releaseLease();
            }
        }
        if (failure != null) {
            follower.batchFailed(failedModel, failure);
        }
        if (System.nanoTime() - started > config.maxBatchTime().toNanos()) {
            // A slow flush: commit now, so the next one starts a new transaction rather than add to this.
            context.commit();
        }
    }

    /** Forwards the batch in flight once its forward pass is done, so that a quiet stream does not wait for the punctuator. */
    private void drainInFlight() {
        DrivingModel model = lease.model();
        RuntimeException failure = null;
        try {
            finishInFlight();
        } catch (PredictionFailed e) {
            failure = e.failure;
        } finally {
            releaseLease();
        }
        if (failure != null) {
            follower.batchFailed(model, failure);
        }
    }

    /**
     * Whether the batch in flight may keep its lease for the next batch: its model is still the one
     * served and no newer update waits to be loaded. The next batch then decodes while the batch in
     * flight runs. Otherwise the batch in flight is finished and its lease let go, and the next
     * batch takes a lease on what {@link ModelFollower#catchUp} serves.
     */
    private boolean mayKeepModel() {
        DrivingModel model = lease.model();
        return holder.currentVersion().equals(model.version())
                && !follower.wouldLoad(latestUpdate(), context.currentSystemTimeMs());
    }

    /** Takes a lease on the latest model unless this thread holds one; false when there is no model. */
    private boolean leaseModel() {
        if (lease != null) {
            return true;
        }
        follower.catchUp(latestUpdate(), context.currentSystemTimeMs());
        Optional<ModelHolder.Lease> acquired = holder.acquire();
        if (acquired.isEmpty()) {
            if (!warnedNoModel) {
                warnedNoModel = true;
                LOG.warn("task {}: no {} model is served (none was published yet, or the latest was refused: {}); "
                        + "{} frames wait in {} until one is", context.taskId(), config.modelName(),
                        metrics.lastModelLoadError().isEmpty() ? "no error" : metrics.lastModelLoadError(), waiting,
                        ScorerTopology.BATCH_BUFFER_STORE);
            }
            return false;
        }
        warnedNoModel = false;
        lease = acquired.get();
        return true;
    }

    private void releaseLease() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    /**
     * Takes batch after batch and hands each to the predictor, forwarding the one before it once
     * the new one is decoded: the predictor's forward thread runs a batch while this thread decodes
     * the next.
     */
    private void flush(long started, boolean keepLastInFlight) throws PredictionFailed {
        DrivingModel model = lease.model();
        pace(model);
        long flushBudget = config.maxBatchTime().multipliedBy(2).toNanos();
        for (int batches = 0; batches < MAX_BATCHES_PER_FLUSH && waiting > 0; batches++) {
            int frames = pacing.framesPerBatch();
            Taken next = take(frames, model);
            if (next.entries.isEmpty()) {
                break;
            }
            Taken done = inFlight;
            inFlight = null;
            FrameScore[] scores = null;
            if (done != null) {
                try {
                    scores = collect(done);
                } catch (PredictionFailed e) {
                    untake(next.entries);
                    throw e;
                }
            }
            if (done != null && done.slotsReused) {
                // Finding the failed frames of the batch before decoded over this one's slots.
                forward(done, scores);
                untake(next.entries);
                continue;
            }
            // The next pass starts before this thread forwards the scores of the last one.
            submit(next);
            if (done != null) {
                forward(done, scores);
            }
            if (next.decoded > 0) {
                inFlight = next;
            } else {
                forward(next, new FrameScore[next.entries.size()]); // dead letters only: nothing to score
            }
            long elapsed = System.nanoTime() - started;
            if (next.entries.size() < frames || elapsed + pacing.expectedNanos(pacing.framesPerBatch()) > flushBudget) {
                break;
            }
        }
        if (!keepLastInFlight || (inFlight != null && inFlight.pending.isDone())) {
            finishInFlight();
        }
    }

    /** Takes the next {@code frames} buffered frames (or fewer) and decodes them into the predictor's slots. */
    private Taken take(int frames, DrivingModel model) {
        List<KeyValue<Long, BufferedFrame>> entries = new ArrayList<>(frames);
        try (KeyValueIterator<Long, BufferedFrame> all = buffer.range(firstBuffered, Long.MAX_VALUE)) {
            while (all.hasNext() && entries.size() < frames) {
                entries.add(all.next());
            }
        }
        Taken batch = new Taken(entries, model);
        if (entries.isEmpty()) {
            return batch;
        }
        firstBuffered = entries.get(entries.size() - 1).key + 1;
        waiting -= entries.size();
        long started = System.nanoTime();
        for (int i = 0; i < entries.size(); i++) {
            BufferedFrame buffered = entries.get(i).value;
            FrameEvent event;
            try {
                event = FrameEvent.parseFrom(buffered.frame());
            } catch (InvalidProtocolBufferException e) {
                batch.details[i] = "buffered frame " + entries.get(i).key + " (" + buffered.frame().length
                        + " bytes) is not a FrameEvent: " + e.getMessage();
                batch.deadLetters[i] = deadLetter(buffered, REASON_UNPARSEABLE_PROTOBUF, batch.details[i], e);
                continue;
            }
            try {
                predictor.decode(batch.decoded, event);
                batch.decodedAt[batch.decoded++] = i;
                batch.events[i] = event;
            } catch (IllegalArgumentException e) {
                // Ingest decoded and bounded every image before frames.valid, so this means ingest
                // and scorer disagree about a format; the frame goes to the DLQ, the stream goes on.
                batch.details[i] = "frame " + event.getFrameId() + ": model " + model.version()
                        + " cannot preprocess its image: " + e.getMessage();
                batch.deadLetters[i] = deadLetter(buffered, REASON_UNSCORABLE_IMAGE, batch.details[i], e);
            }
        }
        metrics.batchDecoded(System.nanoTime() - started);
        return batch;
    }

    /** Puts frames taken but not forwarded back in line, to be taken (and decoded) again. */
    private void untake(List<KeyValue<Long, BufferedFrame>> entries) {
        if (!entries.isEmpty()) {
            firstBuffered = Math.min(firstBuffered, entries.get(0).key);
            waiting += entries.size();
        }
    }

    /** Hands {@code batch}'s decoded frames, if any, to the predictor. */
    private void submit(Taken batch) {
        if (batch.decoded > 0) {
            try {
                batch.pending = predictor.submit(batch.decoded);
            } catch (RuntimeException e) {
                // A model that cannot take the batch (closed under it, say) is judged like one that fails it.
                batch.pending = PendingScores.failed(e);
            }
        }
    }

    /**
     * Waits for the batch in flight, if any, and forwards a score or a dead letter per frame in
     * arrival order, then removes its frames from the buffer. When the model fails, nothing of the
     * batch is forwarded or removed, and its frames are put back in line.
     */
    private void finishInFlight() throws PredictionFailed {
        Taken batch = inFlight;
        if (batch != null) {
            inFlight = null;
            forward(batch, collect(batch));
        }
    }

    /**
     * Waits for {@code batch}'s forward pass and finds the frames the model fails on; when it is the
     * model that fails, puts the batch's frames back in line.
     */
    private FrameScore[] collect(Taken batch) throws PredictionFailed {
        try {
            return isolateFailures(batch);
        } catch (PredictionFailed e) {
            untake(batch.entries);
            throw e;
        }
    }

    /** Forwards a score or a dead letter per frame of {@code batch} in arrival order, then removes its frames from the buffer. */
    private void forward(Taken batch, FrameScore[] scores) {
        long scoredAt = context.currentSystemTimeMs();
        int scoredFrames = 0;
        for (int i = 0; i < batch.entries.size(); i++) {
            BufferedFrame buffered = batch.entries.get(i).value;
            if (batch.deadLetters[i] == null) {
                ScoredFrame scored = scored(batch.events[i], scores[i], batch.model, predictor.device(), scoredAt);
                context.forward(new Record<>(buffered.key(), new ScorerOutput.Scored(scored), buffered.timestamp()));
                scoredFrames++;
            } else {
                metrics.frameSkipped();
                LOG.warn("task {}: buffered frame {} (key {}) sent to {}: {}", context.taskId(), batch.entries.get(i).key,
                        buffered.key(), Topics.FRAMES_DLQ.name(), batch.details[i]);
                context.forward(batch.deadLetters[i]);
            }
        }
        for (KeyValue<Long, BufferedFrame> entry : batch.entries) {
            buffer.delete(entry.key);
        }
        buffered -= batch.entries.size();
        metrics.waitingChanged(-batch.entries.size());
        if (batch.decoded > 0) {
            metrics.batchScored(scoredFrames, System.nanoTime() - batch.takenNanos);
        }
    }

    /**
     * The scores of {@code batch}'s decoded frames, finding the frames the model throws on or gives
     * non-finite outputs for: their dead letters and details are filled in. The first attempt is the
     * forward pass the batch was submitted to; when it fails, the search scores parts of the batch
     * on this thread, decoding their frames into the predictor's slots again. Measures the batch for
     * pacing when it scored whole.
     *
     * @return per batch index, the frame's score; null for a frame that goes to the DLQ
     *
     * @throws PredictionFailed when it is the model that fails, not some frames: nothing is forwarded
     */
    private FrameScore[] isolateFailures(Taken batch) throws PredictionFailed {
        int decoded = batch.decoded;
        boolean[] submitted = {true};
        PoisonFrameSearch.Attempt<FrameScore> attempt = frames -> {
            if (submitted[0]) {
                submitted[0] = false;
                return batch.pending.await();
            }
            batch.slotsReused = true;
            for (int slot = 0; slot < frames.size(); slot++) {
                predictor.decode(slot, batch.events[batch.decodedAt[frames.get(slot)]]);
            }
            return predictor.score(frames.size());
        };
        Runnable trial = () -> {
            batch.slotsReused = true;
            checkedTrial(predictor, 1);
        };
        int maxFailures = decoded < MIN_FRAMES_TO_BLAME_MODEL ? decoded : decoded / 2;
        PoisonFrameSearch.Outcome<FrameScore> outcome;
        try {
            outcome = PoisonFrameSearch.search(decoded, attempt, trial, maxFailures);
        } catch (PoisonFrameSearch.ModelCannotRun e) {
            metrics.batchFailed();
            throw new PredictionFailed(e);
        } finally {
            metrics.forwardPassed(batch.pending.forwardNanos());
        }
        DrivingModel model = batch.model;
        if (outcome.passedWhole()) {
            pacing.measured(decoded, batch.pending.forwardNanos());
            warnIfOverBudget();
        } else {
            metrics.batchFailed();
            LOG.warn("task {}: model {} version {} failed a batch of {} frames ({}); {} model calls (a trial input "
                    + "and parts of the batch) found {} frames it fails on alone, which go to {}", context.taskId(),
                    config.modelName(), model.version(), decoded, outcome.firstFailure().toString(), outcome.calls(),
                    outcome.poison().size(), Topics.FRAMES_DLQ.name());
        }
        FrameScore[] scores = new FrameScore[batch.entries.size()];
        for (int d = 0; d < decoded; d++) {
            int i = batch.decodedAt[d];
            BufferedFrame buffered = batch.entries.get(i).value;
            RuntimeException thrown = outcome.poison().get(d);
            if (thrown != null) {
                batch.details[i] = "frame " + batch.events[i].getFrameId() + ": model " + model.version()
                        + " failed on it alone, while it scored the other frames of its batch and a trial input: "
                        + thrown;
                batch.deadLetters[i] = deadLetter(buffered, REASON_MODEL_FAILED, batch.details[i], thrown);
                metrics.modelFailedOnFrame();
                recentFailures.record(true);
                continue;
            }
            FrameScore score = outcome.scores().get(d);
            Optional<String> nonFinite = score.nonFiniteOutput();
            if (nonFinite.isPresent()) {
                batch.details[i] = "frame " + batch.events[i].getFrameId() + ": model " + model.version()
                        + " gave a non-finite output, " + nonFinite.get();
                batch.deadLetters[i] = deadLetter(buffered, REASON_NON_FINITE_OUTPUT, batch.details[i], null);
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

    /** Frames taken from the buffer for one forward pass, and what becomes of each. */
    private static final class Taken {
        final List<KeyValue<Long, BufferedFrame>> entries;
        final DrivingModel model;
        final FrameEvent[] events;
        final Record<String, ScorerOutput>[] deadLetters;
        final String[] details;
        // Batch index of each decoded frame, in slot order.
        final int[] decodedAt;
        final long takenNanos = System.nanoTime();
        int decoded;
        // Its forward pass; a batch of dead letters only has none and is never in flight.
        PendingScores pending;
        // Whether finding failed frames decoded into the predictor's slots after this batch was submitted.
        boolean slotsReused;

        Taken(List<KeyValue<Long, BufferedFrame>> entries, DrivingModel model) {
            this.entries = entries;
            this.model = model;
            this.events = new FrameEvent[entries.size()];
            this.deadLetters = newRecordArray(entries.size());
            this.details = new String[entries.size()];
            this.decodedAt = new int[entries.size()];
        }
    }

    /** The model threw on a batch; carries the failure out of {@link #isolateFailures} to the flush. */
    private static final class PredictionFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient RuntimeException failure;

        PredictionFailed(RuntimeException failure) {
            super(failure);
            this.failure = failure;
        }
    }
}
