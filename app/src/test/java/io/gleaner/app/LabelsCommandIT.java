package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gleaner labels export} and {@code import} against a real PostgreSQL: out to Label Studio's format and back. */
class LabelsCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dataDir;
    @TempDir Path work;
    private static EmbeddedDatabase database;
    private static DatabaseEndpoint endpoint;

    @BeforeAll
    static void start() {
        database = EmbeddedDatabase.start(dataDir);
        endpoint = database.endpoint();
        Migrations.migrate(endpoint.dataSource());
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void exportedTasksComeBackWithTheAnnotationsMadeInLabelStudio() throws Exception {
        TaskStore store = new TaskStore(endpoint.dataSource());
        store.insert(edgeCase("cli-frame-1"));
        store.insert(edgeCase("cli-frame-2"));
        Path tasks = work.resolve("tasks.json");
        Path config = work.resolve("config.xml");

        assertThat(run("labels", "export", "--out", tasks.toString(), "--config-out", config.toString()))
                .contains("wrote 2 tasks to " + tasks);
        ArrayNode exported = (ArrayNode) JSON.readTree(tasks.toFile());
        assertThat(exported).extracting(t -> t.path("data").path("frame_id").asText())
                .containsExactly("cli-frame-1", "cli-frame-2");
        assertThat(Files.readString(config)).contains("<Choice value=\"debris\"/>");

        // In Label Studio, annotator 4 labels the first task and skips the second.
        ObjectNode annotation = ((ArrayNode) exported.get(0).path("annotations")).addObject()
                .put("completed_by", 4).put("was_cancelled", false);
        ArrayNode result = annotation.putArray("result");
        result.addObject().put("from_name", "scene").put("to_name", "image").put("type", "choices")
                .putObject("value").putArray("choices").add("debris");
        result.addObject().put("from_name", "steering").put("to_name", "image").put("type", "number")
                .putObject("value").put("number", 0.25);
        result.addObject().put("from_name", "acceleration").put("to_name", "image").put("type", "number")
                .putObject("value").put("number", -1);
        ((ArrayNode) exported.get(1).path("annotations")).addObject().put("completed_by", 4).put("was_cancelled", true)
                .putArray("result");
        Path annotated = work.resolve("annotated.json");
        JSON.writeValue(annotated.toFile(), exported);

        assertThat(run("labels", "import", annotated.toString()))
                .contains("imported 1 labels from " + annotated, "1 cancelled", "0 refused");
        assertThat(run("labels", "import", annotated.toString())).contains("imported 0 labels", "1 already present");
        TaskQueue queue = new TaskQueue(endpoint.dataSource());
        assertThat(queue.stats().labeled()).isEqualTo(1);
        assertThat(queue.stats().pending()).isEqualTo(1);
        run("labels", "export", "--out", tasks.toString());
        JsonNode again = JSON.readTree(tasks.toFile());
        assertThat(again.get(0).path("annotations").get(0).path("result").get(0).path("value").path("choices").get(0)
                .asText()).isEqualTo("debris");
    }

    private static EdgeCase edgeCase(String frameId) {
        FrameEvent frame = FrameEvent.newBuilder()
                .setFrameId(frameId).setVehicleId("vehicle-1").setCamera("front").setCaptureTimeMs(1_764_201_600_000L)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_PNG).setWidth(8).setHeight(8)
                        .setChannels(3).setData(ByteString.copyFromUtf8("png-of-" + frameId)))
                .setHumanAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0.5f))
                .build();
        ScoredFrame scored = ScoredFrame.newBuilder().setFrame(frame).setModelVersion("3")
                .addSceneClasses("clear_road").addSceneProbabilities(0.6f)
                .addSceneClasses("debris").addSceneProbabilities(0.4f)
                .setPredictedAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0.5f))
                .build();
        return EdgeCase.newBuilder().setScored(scored)
                .addTriggers(Trigger.newBuilder().setName("entropy").setScore(0.9).setThreshold(0.6))
                .setPriority(1).setHarvestedTimeMs(1_764_201_601_000L).build();
    }

    /** Runs the CLI against the embedded database and returns what it printed. */
    private static String run(String... args) {
        String[] withDb = new String[args.length + 4];
        System.arraycopy(args, 0, withDb, 0, args.length);
        withDb[args.length] = "--db-url";
        withDb[args.length + 1] = endpoint.jdbcUrl();
        withDb[args.length + 2] = "--db-user";
        withDb[args.length + 3] = endpoint.user();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new GleanerCommand()).execute(withDb);
            assertThat(exit).as(captured.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
