package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestBenchmarkTest {
    private static final String APP = "gleaner-ingest-bench-stage-run-2";

    @Test
    void theStreamThreadIsTheStagesOwnThreadNotItsProducersNetworkThread() {
        assertThat(IngestBenchmark.threadGroup(APP + "-2de2af11-StreamThread-1", APP)).isEqualTo("stream thread");
        assertThat(IngestBenchmark.threadGroup(
                "kafka-producer-network-thread | " + APP + "-2de2af11-StreamThread-1-producer", APP))
                .isEqualTo("stage clients");
        assertThat(IngestBenchmark.threadGroup(APP + "-2de2af11-StateUpdater-1", APP)).isEqualTo("stage clients");
    }

    @Test
    void anotherApplicationsThreadsAreNotThisStages() {
        // an application whose id starts with this stage's is another application
        assertThat(IngestBenchmark.threadGroup("gleaner-ingest-bench-stage-run-1-9f-StreamThread-1", APP))
                .isEqualTo("broker");
        assertThat(IngestBenchmark.threadGroup("gleaner-ingest-bench-stage-run-1-9f-StreamThread-1",
                "gleaner-ingest-bench-stage-run-10")).isEqualTo("broker");
    }

    @Test
    void theBenchmarksClientsAndMainThreadAreTheBenchmark() {
        assertThat(IngestBenchmark.threadGroup("main", APP)).isEqualTo("benchmark");
        assertThat(IngestBenchmark.threadGroup("kafka-admin-client-thread | adminclient-1", APP)).isEqualTo("benchmark");
        assertThat(IngestBenchmark.threadGroup("kafka-producer-network-thread | producer-1", APP)).isEqualTo("benchmark");
    }

    @Test
    void everyOtherThreadIsTheBrokers() {
        assertThat(IngestBenchmark.threadGroup("data-plane-kafka-request-handler-0", APP)).isEqualTo("broker");
        assertThat(IngestBenchmark.threadGroup("TxnMarkerSenderThread-1", APP)).isEqualTo("broker");
    }

    @Test
    void medianOfEvenCountAveragesTheMiddleTwo() {
        assertThat(IngestBenchmark.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(IngestBenchmark.median(new double[] {5, 1, 3})).isEqualTo(3.0);
    }
}
