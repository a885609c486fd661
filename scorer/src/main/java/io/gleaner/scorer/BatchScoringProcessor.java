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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * arrival order, a batch at a time (one forward pass of {@link ScorerConfig#batchSize()} rows),
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
 * <p>Scoring uses the stream thread's own {@link BatchPredictor} of the leased model: frames are
 * decoded straight into its input buffer, and the batch's outputs are the scene probabilities, the
 * action with its MC-dropout spread and samples, the embedding and its novelty.
 *
 * <p>One flush scores at most {@link #MAX_BATCHES_PER_FLUSH} batches and starts no batch after
 * {@link #FLUSH_TIME_BUDGET_MS}: under exactly-once a flush runs inside one transaction, and a backlog
 * built up while no model was published must not run past {@code transaction.timeout.ms}. The rest
 * waits for the next punctuation.
 */
final class BatchScoringProcessor implements Processor<String, byte[], String, ScorerOutput> {
    /** Batches one flush may score. */
    static final int MAX_BATCHES_PER_FLUSH = 8;
    /** Wall-clock time after which a flush starts no further batch (transaction.timeout.ms defaults to 10 s). */
    static final long FLUSH_TIME_BUDGET_MS = 2_000;
    /** DLQ reason of a frame whose image the model cannot preprocess. */
    static final String REASON_UNSCORABLE_IMAGE = "unscorable-image";
    /** DLQ reason of a buffered frame that is no longer a {@code FrameEvent}. */
    static final String REASON_UNPARSEABLE_PROTOBUF = "unparseable-protobuf";

    private static final Logger LOG = LoggerFactory.getLogger(BatchScoringProcessor.class);
    private static final long BUFFER_WARNING_INTERVAL_MS = 60_000;

    private final ScorerConfig config;
    private final ModelHolder holder;
    private final ModelFollower follower;
    private final ScorerMetrics metrics;

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
    private DrivingModel loggedModel;
    private String device = "";

    BatchScoringProcessor(ScorerConfig config, ModelHolder holder, ModelFollower follower, ScorerMetrics metrics) {
        this.config = config;
        this.holder = holder;
        this.follower = follower;
        this.metrics = metrics;
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
        if (waiting >= config.batchSize()) {
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
        // One lease for all batches: a swap waits until this flush is done, never splits a batch.
        try (ModelHolder.Lease pinned = lease.get()) {
            for (int batches = 0; batches < MAX_BATCHES_PER_FLUSH && waiting > 0; batches++) {
                List<KeyValue<Long, BufferedFrame>> batch = nextBatch();
                try {
                    score(batch, pinned.model());
                } catch (PredictionFailed e) {
                    failedModel = pinned.model();
                    failure = e.failure;
                    break;
                }
                if (batch.size() < config.batchSize()
                        || System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(FLUSH_TIME_BUDGET_MS)) {
                    break;
                }
            }
        }
        // Outside the lease: retiring the model waits for every lease, this thread's included.
        if (failure != null) {
            follower.batchFailed(failedModel, failure);
        }
    }

    private List<KeyValue<Long, BufferedFrame>> nextBatch() {
        List<KeyValue<Long, BufferedFrame>> batch = new ArrayList<>(config.batchSize());
        try (KeyValueIterator<Long, BufferedFrame> entries = buffer.range(firstBuffered, Long.MAX_VALUE)) {
            while (entries.hasNext() && batch.size() < config.batchSize()) {
                batch.add(entries.next());
            }
        }
        return batch;
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
        BatchPredictor predictor;
        try {
            predictor = predictorFor(model);
        } catch (RuntimeException e) {
            throw new PredictionFailed(e);
        }
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
                predictor.decode(decoded, event.getImage());
                decoded++;
                events[i] = event;
            } catch (IllegalArgumentException e) {
                // Ingest decoded and bounded every image before frames.valid, so this means ingest
                // and scorer disagree about a format; the frame goes to the DLQ, the stream goes on.
                details[i] = "frame " + event.getFrameId() + ": model " + model.version()
                        + " cannot preprocess its image: " + e.getMessage();
                deadLetters[i] = deadLetter(buffered, REASON_UNSCORABLE_IMAGE, details[i], e);
            }
        }
        List<FrameScore> predictions;
        try {
            predictions = decoded == 0 ? List.of() : predictor.score(decoded);
        } catch (RuntimeException e) {
            // A broken artifact or an out-of-memory at this batch size fails every time; throwing
            // would restart the stream thread on this same batch forever.
            throw new PredictionFailed(e);
        }
        long scoredAt = context.currentSystemTimeMs();
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            BufferedFrame buffered = batch.get(i).value;
            if (events[i] != null) {
                ScoredFrame scored = scored(events[i], predictions.get(next++), model, device, scoredAt);
                context.forward(new Record<>(buffered.key(), new ScorerOutput.Scored(scored), buffered.timestamp()));
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
            metrics.batchScored(predictions.size(), System.nanoTime() - start);
        }
    }

    private static Record<String, ScorerOutput> deadLetter(BufferedFrame buffered, String reason, String detail,
            Exception cause) {
        RecordHeaders headers = new RecordHeaders();
        DlqHeaders.stamp(headers, reason, detail, cause.getClass().getName(), Topics.FRAMES_VALID.name(),
                buffered.sourcePartition(), buffered.sourceOffset());
        return new Record<>(buffered.key(), new ScorerOutput.Unscorable(buffered.frame()), buffered.timestamp(),
                headers);
    }

    @SuppressWarnings("unchecked")
    private static Record<String, ScorerOutput>[] newRecordArray(int size) {
        return (Record<String, ScorerOutput>[]) new Record<?, ?>[size];
    }

    /**
     * The thread's predictor of {@code model}; logs the device, batch shape and threads the first
     * time this task scores with a model.
     */
    private BatchPredictor predictorFor(DrivingModel model) {
        BatchPredictor predictor = model.predictor(config.batchSize(), config.inference());
        if (model != loggedModel) {
            loggedModel = model;
            device = predictor.device().toString();
            LOG.info("task {}: scoring with {} version {} on device {}: batches of {} rows (padded), {} MC-dropout "
                    + "samples, novelty against {} reference embeddings, {} PyTorch intra-op threads on {}",
                    context.taskId(), config.modelName(), model.version(), device, config.batchSize(),
                    config.inference().mcSamples(), config.inference().referenceBankSize(),
                    BatchPredictor.intraOpThreads(), Thread.currentThread().getName());
        }
        return predictor;
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
