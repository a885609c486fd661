package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.queue.TaskQueue;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class ServeCommandTest {
    private static ServeCommand parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        return (ServeCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsServeLocallyWithOneFinalLabel() {
        ServeCommand serve = parsed("serve");

        assertThat(serve.host).isEqualTo("127.0.0.1");
        assertThat(serve.port).isEqualTo(8080);
        assertThat(serve.labelsRequired).isEqualTo(1);
        assertThat(serve.maxLabels).isNull();
        assertThat(serve.leaseSeconds).isEqualTo(300);
        assertThat(serve.batchSlots).isEqualTo(TaskQueue.DEFAULT_BATCH_SLOTS);
    }

    @Test
    void consensusAndLimitsParse() {
        ServeCommand serve = parsed("serve", "--port", "9000", "--labels-required", "2", "--max-labels", "3",
                "--max-request-bytes", "8192", "--threads", "4", "--batch-slots", "0");

        assertThat(serve.port).isEqualTo(9000);
        assertThat(serve.labelsRequired).isEqualTo(2);
        assertThat(serve.maxLabels).isEqualTo(3);
        assertThat(serve.maxRequestBytes).isEqualTo(8192);
        assertThat(serve.threads).isEqualTo(4);
        assertThat(serve.batchSlots).isZero();
    }
}
