package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Base64;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Label Studio interop on a real PostgreSQL: Gleaner's export in Label Studio's task format, an
 * annotation export ({@code label-studio/annotations-export.json}, see its README) imported back as
 * labels, and the round trip; no label is ever overwritten and importing twice adds nothing.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class LabelStudioImportIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LEASE = Duration.ofMinutes(5);

    private TaskQueue queue;
    private LabelStudioExport export;
    private LabelStudioImport importer;

    @BeforeEach
    void setUp(DataSource dataSource) {
        TaskStore store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        export = new LabelStudioExport(dataSource, queue);
        importer = new LabelStudioImport(dataSource, queue);
        for (int i = 1; i <= 4; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, 10 - i));
        }
        queue.ensureLabeler("alice", "labeler");
        queue.ensureLabeler("bob", "labeler");
        // Alice labels frame-2 in Gleaner: label 1.
        new QueueAdmin(dataSource).reprioritise(2, 100);
        long frame2 = queue.claim("alice", 1, LEASE).get(0).taskId();
        assertThat(queue.submitLabel(frame2, "alice", new Label("clear_road", 0.5f, 0.25f))).isEqualTo(1);
    }

    @Test
    void theExportIsLabelStudioTasksWithImagePredictionAndHumanLabels() {
        LabelStudioExport.Page page = export.tasks(0, 10);

        assertThat(page.tasks()).hasSize(4);
        assertThat(page.lastTaskId()).isEqualTo(4);
        JsonNode first = page.tasks().get(0);
        String image = first.path("data").path("image").asText();
        assertThat(image).startsWith("data:image/png;base64,");
        assertThat(Base64.getDecoder().decode(image.substring(image.indexOf(',') + 1)))
                .isEqualTo(EdgeCases.imageBytes("frame-1"));
        assertThat(first.path("data").path("frame_id").asText()).isEqualTo("frame-1");
        assertThat(first.path("data").path("why").asText()).contains("action_disagreement 0.875 >= 0.500");

        JsonNode prediction = first.path("predictions").get(0);
        assertThat(prediction.path("model_version").asText()).isEqualTo("7");
        assertThat(prediction.path("score").asDouble()).isEqualTo(0.75);
        assertThat(resultValue(prediction, "scene").path("choices").get(0).asText()).isEqualTo("pedestrian_crossing");
        assertThat(resultValue(prediction, "steering").path("number").asDouble()).isEqualTo(0.125);
        assertThat(resultValue(prediction, "acceleration").path("number").asDouble()).isEqualTo(-0.5);
        for (JsonNode item : prediction.path("result")) {
            assertThat(item.path("to_name").asText()).isEqualTo("image");
            assertThat(item.path("type").asText()).isIn("choices", "number");
        }
        assertThat(first.path("annotations")).isEmpty();

        JsonNode labeled = page.tasks().get(1).path("annotations");
        assertThat(labeled).hasSize(1);
        assertThat(labeled.get(0).path("ground_truth").asBoolean()).isTrue();
        assertThat(resultValue(labeled.get(0), "scene").path("choices").get(0).asText()).isEqualTo("clear_road");
        assertThat(labeled.get(0).path("result").get(0).path("id").asText()).isEqualTo("gleaner-1-scene");

        assertThat(export.tasks(4, 10).tasks()).isEmpty();
        assertThat(export.tasks(1, 2).tasks()).extracting(t -> t.path("data").path("frame_id").asText())
                .containsExactly("frame-2", "frame-3");
        assertThat(export.labelingConfig())
                .contains("<Image name=\"image\" value=\"$image\"/>", "<Choices name=\"scene\" toName=\"image\"",
                        "<Choice value=\"clear_road\"/>", "<Choice value=\"pedestrian_crossing\"/>",
                        "<Number name=\"steering\" toName=\"image\" min=\"-1\" max=\"1\"",
                        "<TextArea name=\"notes\" toName=\"image\"");
    }

    @Test
    void aLabelStudioExportComesBackAsLabelsAndNeverOverwritesOne() throws IOException {
        LabelStudioImport.Report report = importer.importExport(fixture());

        assertThat(report.imported()).as("frame-1 by user 10, frame-3 by dana").isEqualTo(2);
        assertThat(report.alreadyPresent()).as("alice's label 1 coming back").isEqualTo(1);
        assertThat(report.taskClosed()).as("user 11 on frame-2, which alice labeled").isEqualTo(1);
        assertThat(report.unknownFrame()).isEqualTo(1);
        assertThat(report.cancelled()).isEqualTo(1);
        assertThat(report.leased()).isZero();
        assertThat(report.refused()).hasSize(2);
        assertThat(report.refused().get(0)).contains("task 104", "steering and acceleration");
        assertThat(report.refused().get(1)).contains("task 106", "data.frame_id is missing");

        TaskDetail frame1 = queue.detail(1);
        assertThat(frame1.state()).isEqualTo("labeled");
        assertThat(frame1.labels()).singleElement().satisfies(l -> {
            assertThat(l.labelerId()).isEqualTo("label-studio:10");
            assertThat(l.label()).isEqualTo(new Label("pedestrian_crossing", -0.3f, -0.8f, "child behind the parked van"));
            assertThat(l.completesTask()).isTrue();
        });
        TaskDetail frame2 = queue.detail(2);
        assertThat(frame2.labels()).singleElement().satisfies(l -> {
            assertThat(l.labelerId()).isEqualTo("alice");
            assertThat(l.label()).isEqualTo(new Label("clear_road", 0.5f, 0.25f));
        });
        assertThat(queue.detail(3).labels()).extracting(RecordedLabel::labelerId)
                .containsExactly("label-studio:dana@example.com");
        assertThat(queue.detail(4).labels()).isEmpty();
        assertThat(queue.detail(4).state()).isEqualTo("pending");

        LabelStudioImport.Report again = importer.importExport(fixture());
        assertThat(again.imported()).as("a second import adds nothing").isZero();
        assertThat(again.alreadyPresent()).isEqualTo(3);
        assertThat(again.taskClosed()).isEqualTo(1);
        assertThat(queue.stats().labels()).isEqualTo(3);
    }

    /** Gleaner → Label Studio → Gleaner: labels made there come back, Gleaner's own do not double, a leased task waits. */
    @Test
    void roundTripThroughLabelStudio() {
        ArrayNode tasks = export.tasks(0, 10).tasks();
        // What Label Studio adds: an annotator (user 5) labels frame-1 and frame-3, accepts the model's
        // prediction on frame-4 as it is; Label Studio assigns its own task and annotation ids.
        annotate(tasks.get(0), 5, "debris", -0.5, -1.0);
        annotate(tasks.get(2), 5, "clear_road", 0.0, 0.4);
        ObjectNode accepted = ((ArrayNode) tasks.get(3).path("annotations")).addObject();
        accepted.set("result", tasks.get(3).path("predictions").get(0).path("result").deepCopy());
        accepted.put("completed_by", 5).put("was_cancelled", false);
        // Label Studio keeps the annotations it imported (alice's label) under the importing user.
        ((ObjectNode) tasks.get(1).path("annotations").get(0)).put("completed_by", 1);
        // Bob holds frame-1 right now.
        assertThat(queue.claim("bob", 1, LEASE)).extracting(Task::frameId).containsExactly("frame-1");

        LabelStudioImport.Report report = importer.importExport(tasks);
        assertThat(report.leased()).as("frame-1, leased to bob").isEqualTo(1);
        assertThat(report.imported()).as("frame-3 and frame-4").isEqualTo(2);
        assertThat(report.alreadyPresent()).as("alice's label on frame-2").isEqualTo(1);
        assertThat(report.refused()).isEmpty();
        assertThat(queue.detail(4).labels()).singleElement()
                .satisfies(l -> assertThat(l.label()).isEqualTo(new Label("pedestrian_crossing", 0.125f, -0.5f)));

        queue.release(1, "bob");
        LabelStudioImport.Report afterLease = importer.importExport(tasks);
        assertThat(afterLease.imported()).as("frame-1, now that bob let go").isEqualTo(1);
        assertThat(afterLease.alreadyPresent()).isEqualTo(3);
        assertThat(queue.detail(1).labels()).extracting(l -> l.label().scene()).containsExactly("debris");
        assertThat(queue.stats().labeled()).isEqualTo(4);
    }

    private static void annotate(JsonNode task, int user, String scene, double steering, double acceleration) {
        ObjectNode annotation = ((ArrayNode) task.path("annotations")).addObject();
        ArrayNode result = annotation.putArray("result");
        result.addObject().put("id", "r1").put("from_name", "scene").put("to_name", "image").put("type", "choices")
                .putObject("value").putArray("choices").add(scene);
        result.addObject().put("id", "r2").put("from_name", "steering").put("to_name", "image").put("type", "number")
                .putObject("value").put("number", steering);
        result.addObject().put("id", "r3").put("from_name", "acceleration").put("to_name", "image").put("type", "number")
                .putObject("value").put("number", acceleration);
        annotation.put("completed_by", user).put("was_cancelled", false).put("ground_truth", false);
    }

    private static JsonNode resultValue(JsonNode predictionOrAnnotation, String control) {
        for (JsonNode item : predictionOrAnnotation.path("result")) {
            if (item.path("from_name").asText().equals(control)) {
                return item.path("value");
            }
        }
        throw new AssertionError("no result item for " + control + " in " + predictionOrAnnotation);
    }

    static JsonNode fixture() throws IOException {
        try (InputStream in = LabelStudioImportIT.class.getResourceAsStream("/label-studio/annotations-export.json")) {
            return JSON.readTree(in);
        }
    }
}
