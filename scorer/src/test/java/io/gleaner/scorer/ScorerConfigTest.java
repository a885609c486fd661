package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.scorer.model.InferenceOptions;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ScorerConfigTest {
    @Test
    void maxBufferedFramesDefaultsAndIsValidatedAgainstTheBatchSize() {
        assertThat(ScorerConfig.defaults().maxBufferedFrames()).isEqualTo(ScorerConfig.DEFAULT_MAX_BUFFERED_FRAMES);
        assertThat(new ScorerConfig("m", 8, Duration.ofMillis(10)).maxBufferedFrames()).isEqualTo(50_000);
        assertThatThrownBy(() -> new ScorerConfig("m", 64, Duration.ofMillis(10), 63))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scorer.max-buffered-frames is 63").hasMessageContaining("scorer.batch-size (64)");
    }

    @Test
    void inferenceOptionsDefaultToDropoutSamplesAndNoveltyAndSayWhatIsWrong() {
        assertThat(ScorerConfig.defaults().inference()).isEqualTo(InferenceOptions.defaults());
        assertThat(InferenceOptions.defaults().mcSamples()).isPositive();
        assertThat(InferenceOptions.defaults().referenceBankSize()).isPositive();
        assertThatThrownBy(() -> new InferenceOptions(8, 1.0f, 1024, 5, 0))
                .hasMessageContaining("scorer.dropout-rate is 1.0");
        assertThatThrownBy(() -> new InferenceOptions(8, 0.2f, 4, 5, 0))
                .hasMessageContaining("scorer.novelty-neighbours is 5").hasMessageContaining("(4)");
        assertThatThrownBy(() -> new InferenceOptions(65, 0.2f, 0, 1, 0)).hasMessageContaining("scorer.mc-samples is 65");
        assertThatThrownBy(() -> new ScorerConfig("m", 8, Duration.ofMillis(10), 100, null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void slowModelLimitsHaveDefaultsAndBecomeStreamsSettings() {
        ScorerConfig defaults = ScorerConfig.defaults();
        assertThat(defaults.maxBatchTime()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.transactionTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.streamsOverrides()).isEqualTo(Map.of(
                StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 30_000,
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 64));
    }

    @Test
    void aTransactionTimeoutTooShortForTheBatchTimeIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> ScorerConfig.defaults().withTimeLimits(Duration.ofSeconds(1), Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scorer.transaction-timeout is PT10S")
                .hasMessageContaining("at least 20 x scorer.max-batch-time (PT20S)")
                .hasMessageContaining("lower scorer.max-batch-time or raise the timeout");
        assertThatThrownBy(() -> ScorerConfig.defaults().withTimeLimits(Duration.ofMillis(5), Duration.ofSeconds(10)))
                .hasMessageContaining("scorer.max-batch-time is PT0.005S");
        assertThatThrownBy(() -> ScorerConfig.defaults().withTimeLimits(Duration.ofSeconds(1), Duration.ofMinutes(16)))
                .hasMessageContaining("transaction.max.timeout.ms");
    }
}
