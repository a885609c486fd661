package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GleanerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new GleanerCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void everyRoleHasItsOwnSubcommand() {
        assertThat(new CommandLine(new GleanerCommand()).getSubcommands().keySet()).contains(
                "demo", "migrate", "create-topics", "ingest", "score", "select", "queue-sink", "retrain",
                "simulate", "oracle-labeler");
    }

    @Test
    void anUnknownOptionIsAUsageErrorThatNamesIt() {
        assertThat(run("demo", "--frames-per-rund", "10")).isEqualTo(2);
        assertThat(err.toString()).contains("--frames-per-rund");
    }

    @Test
    void roleConnectionSettingsDefaultToLocalServices() {
        ConnectionOptions options = new ConnectionOptions();
        new CommandLine(options).parseArgs();
        assertThat(options.bootstrapServers()).isEqualTo(
                System.getenv().getOrDefault("GLEANER_BOOTSTRAP_SERVERS", "localhost:9092"));
    }
}
