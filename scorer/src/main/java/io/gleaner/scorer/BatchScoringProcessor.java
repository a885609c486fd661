package io.gleaner.scorer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.ValueTimestampHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers frames in a changelogged store under a per-task sequence number and scores them in
 * arrival order, a batch at a time, when a batch is full or the wall-clock punctuator fires.
 * Frames stay buffered while there is no model, and a crash loses none: a frame leaves the store
 * in the same transaction that writes its score.
 */
final class BatchScoringProcessor implements Processor<String, FrameEvent, String, ScoredFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchScoringProcessor.class);

    private final ScorerConfig config;
    private final ModelHolder holder;
    private final ModelFollower follower;
    private final ScorerMetrics metrics;

    private ProcessorContext<String, ScoredFrame> context;
    private KeyValueStore<Long, BufferedFrame> buffer;
    private ReadOnlyKeyValueStore<String, ?> modelUpdates;
    private long nextSequence;
    private long waiting;
    private boolean warnedNoModel;

    BatchScoringProcessor(ScorerConfig config, ModelHolder holder, ModelFollower follower, ScorerMetrics metrics) {
        this.config = config;
        this.holder = holder;
        this.follower = follower;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, ScoredFrame> context) {
        this.context = context;
        this.buffer = context.getStateStore(ScorerTopology.BATCH_BUFFER_STORE);
        this.modelUpdates = context.getStateStore(ScorerTopology.MODEL_UPDATES_STORE);
        // Sequence numbers are non-negative longs, whose big-endian bytes sort like the numbers,
        // so the store iterates in arrival order. After a restart, continue after the last one.
        try (KeyValueIterator<Long, BufferedFrame> last = buffer.reverseAll()) {
            nextSequence = last.hasNext() ? last.next().key + 1 : 0;
        }
        try (KeyValueIterator<Long, BufferedFrame> all = buffer.all()) {
            while (all.hasNext()) {
                all.next();
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
    public void process(Record<String, FrameEvent> record) {
        if (record.value() == null) {
            return;
        }
        buffer.put(nextSequence++, new BufferedFrame(record.key(), record.timestamp(), record.value().toByteArray()));
        waiting++;
        metrics.waitingChanged(1);
        if (waiting >= config.batchSize()) {
            scoreBuffered();
        }
    }

    @Override
    public void close() {
        metrics.waitingChanged(-waiting);
        waiting = 0;
    }

    /** Scores everything buffered, a batch at a time, with the latest model; nothing without one. */
    private void scoreBuffered() {
        if (waiting == 0) {
            return;
        }
        follower.catchUp(latestUpdate());
        Optional<ModelHolder.Lease> lease = holder.acquire();
        if (lease.isEmpty()) {
            if (!warnedNoModel) {
                warnedNoModel = true;
                LOG.warn("task {}: no {} model has been published yet; {} frames wait in {} until one is",
                        context.taskId(), config.modelName(), waiting, ScorerTopology.BATCH_BUFFER_STORE);
            }
            return;
        }
        warnedNoModel = false;
        // One lease for all batches: a swap waits until this flush is done, never splits a batch.
        try (ModelHolder.Lease pinned = lease.get()) {
            List<KeyValue<Long, BufferedFrame>> batch;
            do {
                batch = nextBatch();
                score(batch, pinned.model());
            } while (batch.size() == config.batchSize());
        }
    }

    private List<KeyValue<Long, BufferedFrame>> nextBatch() {
        List<KeyValue<Long, BufferedFrame>> batch = new ArrayList<>(config.batchSize());
        try (KeyValueIterator<Long, BufferedFrame> entries = buffer.all()) {
            while (entries.hasNext() && batch.size() < config.batchSize()) {
                batch.add(entries.next());
            }
        }
        return batch;
    }

    private void score(List<KeyValue<Long, BufferedFrame>> batch, DrivingModel model) {
        if (batch.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<BufferedFrame> frames = new ArrayList<>(batch.size());
        List<FrameEvent> events = new ArrayList<>(batch.size());
        List<float[]> inputs = new ArrayList<>(batch.size());
        for (KeyValue<Long, BufferedFrame> entry : batch) {
            BufferedFrame buffered = entry.value;
            try {
                FrameEvent event = FrameEvent.parseFrom(buffered.frame());
                inputs.add(model.preprocess(event.getImage()));
                events.add(event);
                frames.add(buffered);
            } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
                // Ingest decoded and bounded every image before frames.valid, so this means ingest
                // and scorer disagree about a format; skip the frame rather than stop the stream.
                metrics.frameSkipped();
                LOG.warn("task {}: skipped buffered frame {} (key {}): {}", context.taskId(), entry.key,
                        buffered.key(), e.getMessage());
            }
        }
        // A failure here (native error, out of memory) fails the task; the frames are still
        // buffered and are scored again after the restart.
        List<Prediction> predictions = model.predict(inputs);
        long scoredAt = context.currentSystemTimeMs();
        for (int i = 0; i < predictions.size(); i++) {
            BufferedFrame buffered = frames.get(i);
            context.forward(new Record<>(buffered.key(), scored(events.get(i), predictions.get(i), model, scoredAt),
                    buffered.timestamp()));
        }
        for (KeyValue<Long, BufferedFrame> entry : batch) {
            buffer.delete(entry.key);
        }
        waiting -= batch.size();
        metrics.waitingChanged(-batch.size());
        metrics.batchScored(predictions.size(), System.nanoTime() - start);
    }

    private static ScoredFrame scored(FrameEvent frame, Prediction prediction, DrivingModel model, long scoredAt) {
        ScoredFrame.Builder scored = ScoredFrame.newBuilder()
                .setFrame(frame)
                .setModelVersion(model.version())
                .addAllSceneClasses(model.sceneClasses())
                .setPredictedAction(DriverAction.newBuilder()
                        .setSteering(prediction.steering())
                        .setAcceleration(prediction.acceleration()))
                .setScoredTimeMs(scoredAt);
        for (float p : prediction.sceneProbabilities()) {
            scored.addSceneProbabilities(p);
        }
        for (float e : prediction.embedding()) {
            scored.addEmbedding(e);
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
}
