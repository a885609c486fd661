package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.ModelErrorRule;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** {@code gleaner feedback-relay}: its flags become the relay's configuration, bad values a usage error. */
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
    void aToleranceOutOfRangeIsAUsageErrorNamingIt() {
        assertThatThrownBy(() -> parsed("feedback-relay", "--error-tolerance", "3").relayConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("steering tolerance is 3.0");
    }
}
