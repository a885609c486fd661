package io.gleaner.app;

import io.gleaner.app.demo.GleanerLoop;
import io.gleaner.app.demo.LoopConfig;
import io.gleaner.app.demo.LoopSummary;
import io.gleaner.app.demo.RoundReport;
import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner demo}: the whole loop on an embedded broker and an embedded PostgreSQL, no
 * set-up. Prints one line per round and ends with a machine-readable {@code RESULT demo} line.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole active-learning loop on an embedded Kafka broker and PostgreSQL.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "5", description = "Rounds to run (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--frames-per-round", defaultValue = "1500",
            description = "Fleet frames per round (default ${DEFAULT-VALUE}).")
    int framesPerRound;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster instead of starting an embedded broker.")
    String bootstrapServers;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
            description = "Use this PostgreSQL database instead of starting an embedded one.")
    String dbUrl;

    @Option(names = "--db-user", defaultValue = "${env:GLEANER_DB_USER:-postgres}", description = "Database user.")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "${env:GLEANER_DB_PASSWORD:-}", description = "Database password.")
    String dbPassword;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the run's data goes (default gleaner-data/demo-<time>).")
    Path dataDir;

    @Option(names = "--keep-running", description = "Keep the embedded broker and database up after the run, until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path workDir = dataDir != null ? dataDir : Path.of("gleaner-data",
                "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(workDir);
        long started = System.nanoTime();
        out.printf("Gleaner demo: data in %s%n", workDir.toAbsolutePath());

        EmbeddedKafka kafka = null;
        EmbeddedDatabase database = null;
        String result;
        try {
            String bootstrap = bootstrapServers;
            if (bootstrap == null) {
                kafka = EmbeddedKafka.start(workDir.resolve("kafka"));
                bootstrap = kafka.bootstrapServers();
            }
            DatabaseEndpoint db;
            if (dbUrl == null) {
                database = EmbeddedDatabase.start(workDir.resolve("postgres"));
                db = database.endpoint();
            } else {
                db = new DatabaseEndpoint(dbUrl, dbUser, dbPassword);
            }
            out.printf("broker %s%s, database %s%s%n", bootstrap, kafka != null ? " (embedded)" : "",
                    db.jdbcUrl(), database != null ? " (embedded)" : "");

            LoopConfig config = LoopConfig.defaults(workDir).withRounds(rounds).withFramesPerRound(framesPerRound);
            out.println("training the seed model (behaviour cloning on unlabeled frames)...");
            out.printf("%-5s %8s %9s %12s %11s %8s %6s  %-28s %10s %12s%n", "round", "frames", "harvested",
                    "rare share", "base rate", "labeled", "model", "retrain", "rare err", "common err");
            LoopSummary summary = new GleanerLoop(bootstrap, db.dataSource(), config)
                    .run(report -> out.println(format(report)));

            double seconds = (System.nanoTime() - started) / 1e9;
            out.printf("%nseed model action error: rare %.3f, common %.3f; after %d rounds: rare %.3f, common %.3f%n",
                    summary.rareErrorFirst(), summary.commonErrorFirst(), summary.rounds().size(),
                    summary.rareErrorLast(), summary.rounds().get(summary.rounds().size() - 1).commonError());
            out.printf("dead-lettered records: %d (frames.dlq)%n", summary.deadLettered());
            out.printf("where the data is:%n  database  %s (user %s)%n  topics    %s on %s%n  models    %s%n  truth     %s%n",
                    db.jdbcUrl(), db.user(), Topics.all().stream().map(Topic::name).collect(Collectors.joining(", ")),
                    bootstrap, workDir.resolve("models").toAbsolutePath(), workDir.resolve("truth.jsonl").toAbsolutePath());
            if (kafka != null || database != null) {
                out.println(keepRunning
                        ? "  the embedded broker and database stay up until Ctrl-C"
                        : "  the embedded broker and database stop with this command (--keep-running keeps them up)");
            }
            out.printf(Locale.ROOT, "took %.0f s%n", seconds);
            result = String.format(Locale.ROOT, "RESULT demo rounds=%d harvested=%d labeled=%d model_version=%s "
                            + "rare_error_first=%.4f rare_error_last=%.4f dlq=%d seconds=%.0f",
                    summary.rounds().size(), summary.harvested(), summary.labeled(), summary.modelVersion(),
                    summary.rareErrorFirst(), summary.rareErrorLast(), summary.deadLettered(), seconds);
            if (keepRunning) {
                out.println(result);
                new CountDownLatch(1).await();
            }
        } finally {
            if (database != null) {
                database.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        }
        // After the embedded broker and database have stopped, whose shutdown logs on stderr: the
        // RESULT line is the last line of the output, whether or not stderr goes with it.
        out.println(result);
        return 0;
    }

    private static String format(RoundReport r) {
        return String.format(Locale.ROOT, "%-5d %8d %9d %11.1f%% %10.1f%% %8d %6s  %-28s %10.3f %12.3f",
                r.round(), r.framesProcessed(), r.harvested(), 100 * r.harvestedRareShare(), 100 * r.rareBaseRate(),
                r.labeled(), "v" + r.modelVersion(), r.retrain(), r.rareError(), r.commonError());
    }
}
