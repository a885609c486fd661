package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.GleanerCommand;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class OpsOptionsTest {
    private static final List<String> ROLES =
            List.of("ingest-stream", "score", "select", "queue-sink", "feedback-relay", "retrain", "serve");

    private static CommandLine.Model.CommandSpec parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        return result.subcommand().commandSpec();
    }

    @Test
    void everyRoleTakesTheMetricsFlagsAndTheKafkaConfigFlag() {
        for (String role : ROLES) {
            CommandLine.Model.CommandSpec spec = parsed(role, "--metrics-port", "0", "--metrics-host", "0.0.0.0");
            assertThat(spec.findOption("--metrics-port")).as(role).isNotNull();
            assertThat(spec.findOption("--kafka-config")).as(role).isNotNull();
            assertThat((Integer) spec.findOption("--metrics-port").getValue()).as(role).isZero();
            assertThat((String) spec.findOption("--metrics-host").getValue()).as(role).isEqualTo("0.0.0.0");
        }
    }

    @Test
    void theDefaultIsLoopbackOnTheDefaultPortAndMinusOneTurnsItOff() {
        CommandLine.Model.CommandSpec spec = parsed("score");
        OpsOptions defaults = new OpsOptions();
        new CommandLine(defaults).parseArgs();

        assertThat((Integer) spec.findOption("--metrics-port").getValue()).isEqualTo(OpsConfig.DEFAULT_PORT);
        assertThat(defaults.config()).isEqualTo(OpsConfig.defaults());
        OpsOptions off = new OpsOptions();
        new CommandLine(off).parseArgs("--metrics-port", "-1");
        assertThat(off.config().enabled()).isFalse();
    }
}
