package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.bench.IngestBenchmark;
import io.gleaner.uncertainty.HarvestBudget;
import io.gleaner.uncertainty.FlickerConfig;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.TriggerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class GleanerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new GleanerCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** The innermost subcommand's object after parsing {@code args}. */
    private static Object parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return result.commandSpec().userObject();
    }

    @Test
    void everyRoleHasItsOwnSubcommand() {
        assertThat(new CommandLine(new GleanerCommand()).getSubcommands().keySet()).contains(
                "demo", "migrate", "create-topics", "ingest-stream", "score", "select", "queue-sink", "retrain",
                "simulate", "oracle-labeler", "ingest", "bench");
    }

    @Test
    void ingestIsTheGroupOfFrameSourcesAndTheStreamsRoleIsIngestStream() {
        CommandLine cli = new CommandLine(new GleanerCommand());
        assertThat(cli.getSubcommands().get("ingest").getSubcommands().keySet())
                .containsExactlyInAnyOrder("fashion-mnist", "dir");
        assertThat((Object) cli.getSubcommands().get("ingest-stream").getCommand()).isInstanceOf(RoleCommands.IngestStream.class);
        assertThat(cli.getSubcommands().get("bench").getSubcommands().keySet()).contains("ingest");
    }

    @Test
    void theThreeActiveLearningBenchmarksAreTheSubcommandsOfBenchAl() {
        CommandLine bench = new CommandLine(new GleanerCommand()).getSubcommands().get("bench");
        assertThat(bench.getSubcommands().keySet()).containsExactlyInAnyOrder("ingest", "queue", "al", "scorer", "loop");
        assertThat(bench.getSubcommands().get("al").getSubcommands().keySet())
                .containsExactlyInAnyOrder("pool", "stream", "campaign");
    }

    @Test
    void selectTakesNamedTriggersDedupAndBudgetsAndRejectsABadTriggerByName() {
        var select = (RoleCommands.Select) parsed("select", "--trigger", "novel=novelty,top=0.005",
                "--trigger", "unsure=entropy,threshold=0.7", "--dedup-min-similarity", "0.95", "--budget-fleet", "100");
        SelectionConfig config = select.selectionConfig();
        assertThat(config.triggers()).extracting(TriggerConfig::name).containsExactly("novel", "unsure");
        assertThat(config.duplicates().enabled()).isTrue();
        assertThat(config.duplicates().minSimilarity()).isEqualTo(0.95);
        HarvestBudget budget = HarvestBudget.defaults();
        assertThat(config.budget()).isEqualTo(new HarvestBudget(true, budget.perVehicle(), 100, budget.window(), budget.grace()));
        assertThat(((RoleCommands.Select) parsed("select")).selectionConfig()).isEqualTo(SelectionConfig.defaults());

        assertThat(run("select", "--trigger", "x=bald,top=0.1")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("unknown acquisition function 'bald'");
    }

    @Test
    void selectTurnsFlickerOnWithItsSettingsAndCampaignsHaveTheirCommands() {
        SelectionConfig config = ((RoleCommands.Select) parsed("select", "--flicker-min-flips", "4")).selectionConfig();
        FlickerConfig defaults = FlickerConfig.defaults();
        assertThat(config.flicker()).isEqualTo(new FlickerConfig(true, defaults.window(), 4, defaults.actionJump(),
                defaults.humanSmooth(), defaults.maxGap()));
        assertThat(((RoleCommands.Select) parsed("select", "--flicker")).selectionConfig().flicker()).isEqualTo(defaults.on());
        assertThat(run("select", "--flicker-min-flips", "9")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("selection.flicker.min-flips is 9");
        assertThat(new CommandLine(new GleanerCommand()).getSubcommands().get("campaign").getSubcommands().keySet())
                .containsExactlyInAnyOrder("create", "list", "stop");
    }

    @Test
    void fashionMnistOptionsParse() {
        var command = (IngestCommands.FashionMnist) parsed(
                "ingest", "fashion-mnist", "--split", "t10k", "--limit", "500", "--labels-file", "out/l.jsonl",
                "--bootstrap-servers", "broker:9093");
        assertThat(command.split).isEqualTo("t10k");
        assertThat(command.limit).isEqualTo(500);
        assertThat(command.labelsFile).isEqualTo(Path.of("out/l.jsonl"));
        assertThat(command.connection.bootstrapServers()).isEqualTo("broker:9093");
    }

    @Test
    void fashionMnistDefaultsToTheWholeTrainSplitFromTheDebianPackage() {
        var command = (IngestCommands.FashionMnist) parsed("ingest", "fashion-mnist");
        assertThat(command.split).isEqualTo("train");
        assertThat(command.limit).isZero();
        assertThat(command.dataDir).isEqualTo(Path.of("/usr/share/datasets/fashion-mnist"));
    }

    @Test
    void dirTakesAFolderAndAnOptionalVehicleId() {
        var command = (IngestCommands.Dir) parsed("ingest", "dir", "photos/run1", "--vehicle-id", "car-7");
        assertThat(command.folder).isEqualTo(Path.of("photos/run1"));
        assertThat(command.vehicleId).isEqualTo("car-7");
        assertThat(((IngestCommands.Dir) parsed("ingest", "dir", "photos")).vehicleId).isNull();
    }

    @Test
    void dirWithoutAFolderIsAUsageError() {
        assertThat(run("ingest", "dir")).isEqualTo(2);
        assertThat(err.toString()).contains("PATH");
    }

    @Test
    void dirOnAMissingFolderFailsBeforeItReachesForTheBroker(@TempDir Path dir) {
        // No broker runs here: the folder is checked first, so the error is about the folder.
        int exitCode = run("ingest", "dir", dir.resolve("nope").toString(), "--bootstrap-servers", "localhost:1");
        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).contains("is not a folder");
    }

    @Test
    void fashionMnistWithAMissingDataDirSaysHowToInstallIt(@TempDir Path dir) {
        int exitCode = run("ingest", "fashion-mnist", "--data-dir", dir.resolve("nope").toString());
        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).contains("apt-get install dataset-fashion-mnist");
    }

    @Test
    void anIngestWithoutASourceIsAUsageErrorThatListsThem() {
        assertThat(run("ingest")).isEqualTo(2);
        assertThat(err.toString()).contains("fashion-mnist or dir");
    }

    @Test
    void benchIngestOptionsParse() {
        Object command = parsed("bench", "ingest", "--frames", "1000", "--repeats", "5", "--stage-config", "default");
        assertThat(command).isInstanceOf(IngestBenchmark.class);
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
