package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.scorer.ScorerConfig;
import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** {@code gleaner score}: its flags become the scorer's configuration, values it refuses a usage error. */
class ScoreCommandTest {
    private static RoleCommands.Score parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return (RoleCommands.Score) result.commandSpec().userObject();
    }

    @Test
    void withoutFlagsItRunsWithTheScorerDefaults() {
        assertThat(parsed("score").scorerConfig()).isEqualTo(ScorerConfig.defaults());
    }

    @Test
    void theTimeFlagsSetTheBatchBudgetAndTheStreamsTransactionTimeout() {
        ScorerConfig config = parsed("score", "--batch-size", "32", "--max-batch-time", "PT2S",
                "--transaction-timeout", "PT1M").scorerConfig();

        assertThat(config.batchSize()).isEqualTo(32);
        assertThat(config.maxBatchTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.transactionTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.streamsOverrides())
                .containsEntry(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 60_000);
    }

    @Test
    void aBatchTimeTooLongForTheTransactionTimeoutIsAUsageErrorThatSaysWhatToChange() {
        assertThatThrownBy(() -> parsed("score", "--max-batch-time", "PT5S").scorerConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--max-batch-time PT5S --transaction-timeout PT30S")
                .hasMessageContaining("at least 20 x scorer.max-batch-time (PT1M40S)")
                .hasMessageContaining("raise the timeout");
    }

    @Test
    void aBatchTimeUnder10MsOrATimeoutOver15MinutesIsRefused() {
        assertThatThrownBy(() -> parsed("score", "--max-batch-time", "PT0.005S").scorerConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("between 10 ms and 30 s");
        assertThatThrownBy(() -> parsed("score", "--transaction-timeout", "PT16M").scorerConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("transaction.max.timeout.ms");
    }

    @Test
    void intraOpThreadsDefaultToOneLessThanTheCoresAndAreRefusedOutOfRange() {
        assertThat(parsed("score").scorerConfig().inference().resolvedIntraOpThreads())
                .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
        assertThat(parsed("score", "--intra-op-threads", "3").scorerConfig().inference().resolvedIntraOpThreads())
                .isEqualTo(3);
        assertThatThrownBy(() -> parsed("score", "--intra-op-threads", "-1").scorerConfig())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--intra-op-threads -1")
                .hasMessageContaining("0..256");
    }

    @Test
    void aDurationThatIsNotIso8601IsRefusedByTheParser() {
        assertThatThrownBy(() -> parsed("score", "--max-batch-time", "500ms"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--max-batch-time");
    }
}
