package io.gleaner.app;

import io.gleaner.scorer.model.DjlRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gleaner} command: the demo, every role of the data engine, the frame sources and the benchmarks. */
@Command(name = "gleaner",
        mixinStandardHelpOptions = true,
        version = "gleaner 0.1.0",
        description = "Gleaner: a streaming active-learning data engine for fleet camera data.",
        subcommands = {
                DemoCommand.class,
                RoleCommands.Migrate.class,
                RoleCommands.CreateTopics.class,
                RoleCommands.IngestStream.class,
                IngestCommands.class,
                RoleCommands.Score.class,
                RoleCommands.Select.class,
                RoleCommands.QueueSink.class,
                RoleCommands.FeedbackRelay.class,
                RoleCommands.Retrain.class,
                RoleCommands.Simulate.class,
                RoleCommands.OracleLabeler.class,
                CampaignCommands.class,
                BenchCommands.class,
                TokenCommand.class,
                ModelsCommand.class,
                LabelsCommand.class,
                ServeCommand.class,
                PretrainCommand.class,
                EvalCommands.class,
                CommandLine.HelpCommand.class})
public final class GleanerCommand implements Runnable {

    public static void main(String[] args) {
        // Before anything can load the DJL engine: it must never reach the network.
        DjlRuntime.ensureOffline();
        int exitCode = new CommandLine(new GleanerCommand()).execute(args);
        System.exit(exitCode);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
