package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.ModelErrorRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code gleaner feedback-relay}: its flags become the relay's configuration, bad values a usage error;
 * {@code gleaner serve --feedback-relay} needs a broker.
 */
class FeedbackRelayCommandTest {
    private static RoleCommands.FeedbackRelay parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return (RoleCommands.FeedbackRelay) result.commandSpec().userObject();
    }

    @Test
    void withoutFlagsItRunsWithTheDefaults() {
        assertThat(parsed("feedback-relay").relayConfig()).isEqualTo(FeedbackRelayConfig.defaults());
    }

    @Test
    void theFlagsSetIntervalPageToleranceAndTransactionalId() {
        FeedbackRelayConfig config = parsed("feedback-relay", "--interval", "PT10S", "--page-size", "50",
                "--error-tolerance", "0.25", "--transactional-id", "relay-eu").relayConfig();
        assertThat(config).isEqualTo(new FeedbackRelayConfig("relay-eu", 50, Duration.ofSeconds(10),
                new ModelErrorRule(0.25f, 0.25f)));
    }

    @Test
    void serveRunsTheRelayOnlyWhenItCanReachKafka() {
        assumeTrue(System.getenv("GLEANER_BOOTSTRAP_SERVERS") == null, "GLEANER_BOOTSTRAP_SERVERS is set here");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GleanerCommand());
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("serve", "--feedback-relay")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--feedback-relay publishes to Kafka: give --bootstrap-servers");
    }

    @Test
    void aToleranceOutOfRangeIsAUsageErrorNamingIt() {
        assertThatThrownBy(() -> parsed("feedback-relay", "--error-tolerance", "3").relayConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("steering tolerance is 3.0");
    }
}
