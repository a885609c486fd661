package io.gleaner.app.bench.al;

import io.gleaner.app.bench.CampaignBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gleaner bench al}: the active-learning benchmarks, pool-based, stream-based and campaign. */
@Command(name = "al", mixinStandardHelpOptions = true,
        description = "Active-learning benchmarks: the engine's acquisition functions against random selection.",
        subcommands = {PoolBenchmark.class, StreamBenchmark.class, CampaignBenchmark.class})
public final class AlBenchCommands implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name an active-learning benchmark: pool, stream, campaign");
    }
}
