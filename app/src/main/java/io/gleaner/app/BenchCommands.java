package io.gleaner.app;

import io.gleaner.app.bench.IngestBenchmark;
import io.gleaner.app.bench.QueueBenchmark;
import io.gleaner.app.bench.ScorerBenchmark;
import io.gleaner.app.bench.al.AlBenchCommands;
import io.gleaner.app.bench.loop.LoopBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gleaner bench}: the benchmarks, each ending with one {@code RESULT} line. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: each prints the device, the conditions and its figures, then one RESULT line.",
        subcommands = {IngestBenchmark.class, QueueBenchmark.class, AlBenchCommands.class, ScorerBenchmark.class,
                LoopBenchmark.class})
final class BenchCommands implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a benchmark: ingest, queue, al, scorer or loop");
    }
}
