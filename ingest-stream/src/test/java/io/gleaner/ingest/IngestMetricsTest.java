package io.gleaner.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestMetricsTest {

    @Test
    void decodeTimesFillCountTotalMaxAndTheBucketWhoseBoundTheyDoNotExceed() {
        IngestMetrics metrics = new IngestMetrics();
        metrics.recordDecode(100_000);     // 100 µs: at the first bound, so in the first bucket
        metrics.recordDecode(100_999);     // 100 µs in whole micros: still the first
        metrics.recordDecode(101_000);     // 101 µs: second bucket
        metrics.recordDecode(900_000_000); // 0.9 s: past every bound

        assertThat(metrics.decodes()).isEqualTo(4);
        assertThat(metrics.decodeNanosTotal()).isEqualTo(900_301_999L);
        assertThat(metrics.decodeNanosMax()).isEqualTo(900_000_000L);
        assertThat(metrics.decodeHistogram()).containsExactly(2, 1, 0, 0, 0, 0, 0, 0, 1);
        assertThat(IngestMetrics.decodeBucketBoundsMicros()).hasSize(metrics.decodeHistogram().length - 1);
    }

    @Test
    void framesInOutAndRejectionsAreCountedApart() {
        IngestMetrics metrics = new IngestMetrics();
        metrics.recordReceived();
        metrics.recordReceived();
        metrics.recordReceived();
        metrics.recordAccepted();
        metrics.recordRejected(RejectReason.INVALID_SPEED);
        metrics.recordDuplicate();

        assertThat(metrics.received()).isEqualTo(3);
        assertThat(metrics.accepted()).isEqualTo(1);
        assertThat(metrics.duplicates()).isEqualTo(1);
        assertThat(metrics.rejectedByReason()).containsEntry(RejectReason.INVALID_SPEED, 1L)
                .containsEntry(RejectReason.EMPTY_MESSAGE, 0L).hasSize(RejectReason.values().length);
    }
}
