package io.gleaner.app;

import io.gleaner.queue.Lineage;
import io.gleaner.retrain.ModelAdmin;
import io.gleaner.retrain.ModelPublisher;
import io.gleaner.retrain.ModelRegistry;
import io.gleaner.retrain.RegisteredModel;
import io.gleaner.retrain.artifact.FolderArtifactStore;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.ModelSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner models}: the model registry for admins: list the versions, make one live (overruling
 * the gate if need be), roll back, and follow lineage between labels and versions. Promote and
 * rollback announce the new live version on {@code model-updates}, so running scorers swap to it.
 * Whoever can reach the database is an admin here, as for {@code gleaner token}.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List model versions, promote one, roll back, show lineage (admins).",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Promote.class, ModelsCommand.Rollback.class,
                ModelsCommand.ShowLineage.class})
final class ModelsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a models command: list, promote, rollback or lineage");
    }

    /** Options every subcommand shares. */
    static final class ModelOptions {
        @Option(names = "--model", defaultValue = ModelSpec.DEFAULT_MODEL_NAME,
                description = "The model's name (default ${DEFAULT-VALUE}).")
        String modelName;
    }

    /** Options of the subcommands that change what is live. */
    static final class ChangeOptions {
        @Option(names = "--reason", required = true, description = "Why; recorded with the change.")
        String reason;

        @Option(names = "--by", defaultValue = "${sys:user.name}",
                description = "Who makes the change, as recorded (default: the login name, ${DEFAULT-VALUE}).")
        String by;

        @Option(names = "--models-dir", defaultValue = "${env:GLEANER_MODELS_DIR:-gleaner-data/models}",
                description = "The artifact store the registry's URIs point into (default ${DEFAULT-VALUE}).")
        Path modelsDir;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every version: state, parent, metrics, when it was registered.")
    static final class ListVersions implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin ModelOptions model;

        @Override
        public Integer call() {
            var versions = new ModelRegistry(connection.database().dataSource(), model.modelName).list();
            if (versions.isEmpty()) {
                System.out.println("no versions of " + model.modelName + " are registered");
                return 0;
            }
            System.out.printf("%-8s %-10s %-7s %-25s %s%n", "version", "state", "parent", "created", "metrics");
            for (RegisteredModel m : versions) {
                System.out.printf("%-8s %-10s %-7s %-25s %s%n", "v" + m.version(), m.state(),
                        m.parentVersion().isPresent() ? "v" + m.parentVersion().getAsInt() : "-", m.createdAt(),
                        metrics(m.metrics()));
            }
            return 0;
        }

        private static String metrics(Map<String, Double> metrics) {
            return new TreeMap<>(metrics).entrySet().stream()
                    .map(e -> e.getKey() + "=" + String.format(java.util.Locale.ROOT, "%.4f", e.getValue()))
                    .collect(Collectors.joining(" "));
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make a version live (a candidate, a retired one, or one the gate rejected) and announce it.")
    static final class Promote implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin ModelOptions model;
        @Mixin ChangeOptions change;

        @Parameters(index = "0", paramLabel = "VERSION", description = "The version number, as list shows it (3 or v3).")
        String version;

        @Override
        public Integer call() {
            int number = Integer.parseInt(version.startsWith("v") ? version.substring(1) : version);
            RegisteredModel live = withAdmin(connection, model, change, admin -> admin.promote(number, change.by,
                    change.reason));
            System.out.printf("%s v%d is live and announced on %s%n", model.modelName, live.version(),
                    Topics.MODEL_UPDATES.name());
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Take the live version out of service (marked rejected) and make the previous live one live again.")
    static final class Rollback implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin ModelOptions model;
        @Mixin ChangeOptions change;

        @Override
        public Integer call() {
            RegisteredModel live = withAdmin(connection, model, change, admin -> admin.rollback(change.by, change.reason));
            System.out.printf("rolled %s back to v%d, announced on %s%n", model.modelName, live.version(),
                    Topics.MODEL_UPDATES.name());
            return 0;
        }
    }

    private static RegisteredModel withAdmin(ConnectionOptions connection, ModelOptions model, ChangeOptions change,
            Function<ModelAdmin, RegisteredModel> action) {
        DataSource dataSource = connection.database().dataSource();
        Properties props = connection.kafka().properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Producer<String, ModelUpdate> producer = new KafkaProducer<>(props,
                Topics.MODEL_UPDATES.keySerde().serializer(), Topics.MODEL_UPDATES.valueSerde().serializer())) {
            return action.apply(new ModelAdmin(dataSource, new ModelRegistry(dataSource, model.modelName),
                    new ModelPublisher(producer), new FolderArtifactStore(change.modelsDir)));
        }
    }

    @Command(name = "lineage", mixinStandardHelpOptions = true,
            description = "From a label: its frame, the triggers that harvested it, the version that scored it and every"
                    + " version that used it. From a version: the labels it was trained and judged on.")
    static final class ShowLineage implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Mixin ModelOptions model;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--label", paramLabel = "LABEL_ID", description = "A label id.")
            Long labelId;

            @Option(names = "--version", paramLabel = "VERSION", description = "A model version number.")
            Integer version;
        }

        @Option(names = "--limit", defaultValue = "1000", description = "Labels listed for a version (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            Lineage lineage = new Lineage(connection.database().dataSource());
            if (target.labelId != null) {
                var found = lineage.ofLabel(target.labelId);
                if (found.isEmpty()) {
                    System.out.println("no label " + target.labelId);
                    return 1;
                }
                var l = found.get();
                System.out.printf("label %d by %s at %s: scene %s, steering %.2f, acceleration %.2f%n", l.labelId(),
                        l.labelerId(), l.labeledAt(), l.scene(), l.steering(), l.acceleration());
                System.out.printf("frame %s (task %d, vehicle %s, captured %s, harvested %s)%n", l.frameId(), l.taskId(),
                        l.vehicleId(), l.captureTime(), l.harvestedAt());
                System.out.printf("scored by version %s; harvested by triggers %s%n", l.scoredBy(), l.triggersJson());
                if (l.usedBy().isEmpty()) {
                    System.out.println("no model version has used it yet");
                }
                l.usedBy().forEach(u -> System.out.printf("used by %s v%d as %s (now %s)%n", u.modelName(), u.version(),
                        u.usedAs(), u.state()));
                return 0;
            }
            var found = lineage.ofModel(model.modelName, target.version, 0, limit);
            if (found.isEmpty()) {
                System.out.println("no version " + target.version + " of " + model.modelName + " is registered");
                return 1;
            }
            var m = found.get();
            System.out.printf("%s v%d (%s, parent %s): trained on %d labels, judged on %d held-out labels%n",
                    m.modelName(), m.version(), m.state(), m.parentVersion() == null ? "-" : "v" + m.parentVersion(),
                    m.training(), m.heldOut());
            m.labels().forEach(u -> System.out.printf("label %d  frame %s  %s%n", u.labelId(), u.frameId(), u.usedAs()));
            if (m.labels().size() < m.training() + m.heldOut()) {
                System.out.printf("(first %d of %d; --limit for more)%n", m.labels().size(), m.training() + m.heldOut());
            }
            return 0;
        }
    }
}
