package io.gleaner.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

    @Test
    void defaultsBoundSpeedAndCaptureTime() {
        IngestConfig config = IngestConfig.defaults();
        assertThat(config.maxSpeedMps()).isEqualTo(100.0);
        assertThat(config.maxClockSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.maxCaptureAge()).isEqualTo(Duration.ofDays(3650));
    }

    @Test
    void impossibleSpeedLimitsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> IngestConfig.defaults().withMaxSpeedMps(0))
                .hasMessage("ingest.max-speed-mps is 0.0; it must be a finite positive speed in m/s, e.g. 100.0");
        assertThatThrownBy(() -> IngestConfig.defaults().withMaxSpeedMps(Double.NaN))
                .hasMessageStartingWith("ingest.max-speed-mps is NaN");
        assertThatThrownBy(() -> IngestConfig.defaults().withMaxSpeedMps(Double.POSITIVE_INFINITY))
                .hasMessageStartingWith("ingest.max-speed-mps is Infinity");
    }

    @Test
    void captureTimeRangeMustBeSetAndNotNegative() {
        assertThatThrownBy(() -> IngestConfig.defaults().withCaptureTimeRange(Duration.ofSeconds(-1), Duration.ofDays(1)))
                .hasMessage("ingest.max-clock-skew is PT-1S; it must be zero or positive, e.g. PT5M");
        assertThatThrownBy(() -> IngestConfig.defaults().withCaptureTimeRange(Duration.ZERO, Duration.ZERO))
                .hasMessage("ingest.max-capture-age is PT0S; it must be positive, e.g. P30D");
        assertThatThrownBy(() -> IngestConfig.defaults().withCaptureTimeRange(null, Duration.ofDays(1)))
                .hasMessage("ingest.max-clock-skew must be set, e.g. PT5M");
        assertThat(IngestConfig.defaults().withCaptureTimeRange(Duration.ZERO, Duration.ofDays(1)).maxClockSkew())
                .isZero();
    }
}
