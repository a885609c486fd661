package io.gleaner.retrain;

import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.ModelArtifact;
import io.gleaner.scorer.model.ModelManifest;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Announces a live model version on {@link Topics#MODEL_UPDATES}, keyed by model name, so every
 * scorer loads it. {@link #publish} returns only once the broker has acknowledged the record.
 *
 * <p>The producer is the caller's: build it with {@code Topics.MODEL_UPDATES}' serializers and
 * {@code acks=all}; this class does not close it.
 */
public final class ModelPublisher {
    private final Producer<String, ModelUpdate> producer;
    private final Duration timeout;

    /** Waits at most 30 s for the broker's acknowledgement. */
    public ModelPublisher(Producer<String, ModelUpdate> producer) {
        this(producer, Duration.ofSeconds(30));
    }

    public ModelPublisher(Producer<String, ModelUpdate> producer, Duration timeout) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("publish timeout is " + timeout + "; it must be positive");
        }
    }

    /** The update that announces {@code artifact} with {@code metrics}. */
    public static ModelUpdate updateOf(ModelArtifact artifact, Map<String, Double> metrics) {
        ModelManifest manifest = artifact.manifest();
        return ModelUpdate.newBuilder()
                .setModelName(manifest.modelName())
                .setVersion(manifest.version())
                .setParentVersion(manifest.parentVersion())
                .setArtifactUri(artifact.uri().toString())
                .setArtifactSha256(artifact.sha256())
                .putAllMetrics(metrics)
                .setCreatedTimeMs(manifest.createdTimeMs())
                .build();
    }

    /**
     * Sends the update and waits until it is durable.
     *
     * @throws PublishException when the broker does not acknowledge it in time or refuses it
     */
    public RecordMetadata publish(ModelArtifact artifact, Map<String, Double> metrics) {
        ModelUpdate update = updateOf(artifact, metrics);
        String what = "model update " + update.getModelName() + " v" + update.getVersion() + " to "
                + Topics.MODEL_UPDATES.name();
        try {
            return producer.send(new ProducerRecord<>(Topics.MODEL_UPDATES.name(), update.getModelName(), update))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing " + what, e);
        } catch (ExecutionException e) {
            throw new PublishException("broker refused " + what + ": " + e.getCause().getMessage()
                    + "; publish it again once the broker is back", e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("no acknowledgement for " + what + " within " + timeout
                    + "; check that the broker is reachable, then publish again", e);
        }
    }
}
