package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SinkRetryConfigTest {
    @Test
    void theBackoffDoublesFromTheFirstWaitUpToTheCap() {
        SinkRetryConfig retry = new SinkRetryConfig(Duration.ofMillis(100), Duration.ofMillis(1_000),
                Duration.ofSeconds(10));

        assertThat(IntStream.rangeClosed(1, 7).mapToObj(retry::backoff).map(Duration::toMillis))
                .containsExactly(100L, 200L, 400L, 800L, 1_000L, 1_000L, 1_000L);
        assertThat(retry.backoff(Integer.MAX_VALUE)).as("no overflow however long it fails")
                .isEqualTo(Duration.ofMillis(1_000));
    }

    @Test
    void theDefaultsWaitOutAMinuteLongOutageWithoutGivingUp() {
        SinkRetryConfig retry = SinkRetryConfig.defaults();
        Duration waited = Duration.ZERO;
        int failures = 0;
        while (waited.compareTo(Duration.ofSeconds(60)) < 0) {
            waited = waited.plus(retry.backoff(++failures));
        }
        assertThat(waited).isLessThan(retry.giveUpAfter());
        assertThat(failures).as("retries in a minute: a backoff, not a busy loop").isBetween(10, 20);
    }

    @Test
    void aConfigThatWouldThrashOrOutliveThePollIntervalIsRefused() {
        assertThatThrownBy(() -> new SinkRetryConfig(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(10)))
                .hasMessageContaining("first backoff is PT0S");
        assertThatThrownBy(() -> new SinkRetryConfig(Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofSeconds(10))).hasMessageContaining("shorter than the first backoff");
        assertThatThrownBy(() -> new SinkRetryConfig(Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofMinutes(10))).hasMessageContaining("max.poll.interval.ms");
        assertThatThrownBy(() -> SinkRetryConfig.defaults().backoff(0)).hasMessageContaining("count from 1");
    }
}
