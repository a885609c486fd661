package io.gleaner.app;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.queue.ConsensusConfig;
import io.gleaner.queue.LabelStudioExport;
import io.gleaner.queue.LabelStudioImport;
import io.gleaner.queue.TaskQueue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner labels}: the queue's tasks and labels to and from Label Studio, straight on the
 * database (no size limit, unlike the API's import route). See {@code LabelStudioFormat} for the
 * format and the labeling config it assumes.
 */
@Command(name = "labels", mixinStandardHelpOptions = true,
        description = "Export tasks to Label Studio and import its annotations back as labels.",
        subcommands = {LabelsCommand.Export.class, LabelsCommand.Import.class})
final class LabelsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a labels command: export or import");
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write every task (image inline, model outputs as a prediction, labels as annotations)"
                    + " as a Label Studio JSON task list, and the labeling config it assumes.")
    static final class Export implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Label Studio tasks (JSON) to write.")
        Path out;

        @Option(names = "--config-out", paramLabel = "FILE",
                description = "Where to write the labeling config (XML) to paste into the Label Studio project.")
        Path configOut;

        @Override
        public Integer call() throws IOException {
            DataSource dataSource = connection.database().dataSource();
            LabelStudioExport export = new LabelStudioExport(dataSource, new TaskQueue(dataSource));
            ObjectMapper mapper = new ObjectMapper();
            int written = 0;
            try (OutputStream file = Files.newOutputStream(out);
                    JsonGenerator json = mapper.createGenerator(file)) {
                json.writeStartArray();
                long after = 0;
                while (true) {
                    LabelStudioExport.Page page = export.tasks(after, LabelStudioExport.MAX_PAGE);
                    for (JsonNode task : page.tasks()) {
                        mapper.writeTree(json, task);
                        written++;
                    }
                    if (page.tasks().size() < LabelStudioExport.MAX_PAGE) {
                        break;
                    }
                    after = page.lastTaskId();
                }
                json.writeEndArray();
            }
            System.out.printf("wrote %d tasks to %s%n", written, out);
            if (configOut != null) {
                Files.writeString(configOut, export.labelingConfig(), StandardCharsets.UTF_8);
                System.out.printf("wrote the labeling config to %s%n", configOut);
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a Label Studio JSON export (Export > JSON) as labels; never overwrites a label,"
                    + " and importing a file twice adds nothing.")
    static final class Import implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Parameters(paramLabel = "FILE", description = "The Label Studio export (JSON).")
        Path file;

        @Option(names = "--labels-required", defaultValue = "1",
                description = "Agreeing labels that make a task labeled, as gleaner serve's (default ${DEFAULT-VALUE}).")
        int labelsRequired;

        @Option(names = "--max-labels",
                description = "Labels after which a task without agreement is set aside (default: --labels-required).")
        Integer maxLabels;

        @Option(names = "--agreement-tolerance", defaultValue = "0.1",
                description = "Largest steering and acceleration difference that still agrees (default ${DEFAULT-VALUE}).")
        float tolerance;

        @Override
        public Integer call() throws IOException {
            JsonNode export = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(file.toFile());
            DataSource dataSource = connection.database().dataSource();
            ConsensusConfig consensus = new ConsensusConfig(labelsRequired, maxLabels == null ? labelsRequired : maxLabels,
                    tolerance, tolerance);
            LabelStudioImport.Report report = new LabelStudioImport(dataSource, new TaskQueue(dataSource, consensus))
                    .importExport(export);
            System.out.printf("imported %d labels from %s; left out: %d already present, %d on tasks already labeled"
                            + " or set aside, %d on leased tasks (import again later), %d for frames not in the queue,"
                            + " %d cancelled, %d refused%n",
                    report.imported(), file, report.alreadyPresent(), report.taskClosed(), report.leased(),
                    report.unknownFrame(), report.cancelled(), report.refused().size());
            report.refused().forEach(reason -> System.out.println("  refused " + reason));
            return 0;
        }
    }
}
