package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelStudioFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theFixtureReadsAsLabelsWithAnnotatorsEchoesAndReasons() throws IOException {
        LabelStudioFormat.Parsed parsed = LabelStudioFormat.annotations(LabelStudioImportIT.fixture());

        assertThat(parsed.annotations()).containsExactly(
                new LabelStudioFormat.Annotation("frame-1", "label-studio:10",
                        new Label("pedestrian_crossing", -0.3f, -0.8f, "child behind the parked van"), null),
                new LabelStudioFormat.Annotation("frame-2", "label-studio:1", new Label("clear_road", 0.5f, 0.25f), 1L),
                new LabelStudioFormat.Annotation("frame-2", "label-studio:11", new Label("debris", 0f, -1f), null),
                new LabelStudioFormat.Annotation("frame-3", "label-studio:dana@example.com",
                        new Label("stopped_vehicle", 0.2f, -0.6f), null),
                new LabelStudioFormat.Annotation("frame-not-in-the-queue", "label-studio:10",
                        new Label("clear_road", 0f, 0.3f), null));
        assertThat(parsed.cancelled()).isEqualTo(1);
        assertThat(parsed.refused()).containsExactly(
                "task 104 annotation 1006: needs a scene choice and steering and acceleration numbers (controls scene,"
                        + " steering, acceleration); use the labeling config of gleaner's export",
                "task 106: data.frame_id is missing; only tasks exported by Gleaner can be imported");
    }

    @Test
    void outOfRangeAndAmbiguousAnnotationsAreRefusedWithTheReason() throws IOException {
        JsonNode export = JSON.readTree("""
                [{"id": 1, "data": {"frame_id": "f"}, "annotations": [
                  {"id": 7, "completed_by": 3, "result": [
                    {"from_name": "scene", "value": {"choices": ["a", "b"]}}]},
                  {"id": 8, "completed_by": 3, "result": [
                    {"from_name": "scene", "value": {"choices": ["a"]}},
                    {"from_name": "steering", "value": {"number": 1.5}},
                    {"from_name": "acceleration", "value": {"number": 0}}]},
                  {"id": 9, "result": [
                    {"from_name": "scene", "value": {"choices": ["a"]}},
                    {"from_name": "steering", "value": {"number": 0}},
                    {"from_name": "acceleration", "value": {"number": 0}}]}]}]
                """);

        LabelStudioFormat.Parsed parsed = LabelStudioFormat.annotations(export);

        assertThat(parsed.annotations()).isEmpty();
        assertThat(parsed.refused()).hasSize(3);
        assertThat(parsed.refused().get(0)).startsWith("task 1 annotation 7: scene has 2 choices, needs exactly one");
        assertThat(parsed.refused().get(1)).startsWith("task 1 annotation 8: label steering is 1.5");
        assertThat(parsed.refused().get(2)).startsWith("task 1 annotation 9: completed_by is missing");
        assertThatThrownBy(() -> LabelStudioFormat.annotations(JSON.readTree("{\"tasks\": []}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a JSON list of tasks");
    }

    @Test
    void labeledFramesTakeTheGroundTruthAnnotationAndTheInlineImage() throws IOException {
        JsonNode export = JSON.readTree("""
                [{"id": 1, "data": {"frame_id": "f-1", "image": "data:image/png;base64,AQID"}, "annotations": [
                   {"id": 7, "was_cancelled": true, "result": []},
                   {"id": 8, "result": [
                     {"from_name": "scene", "value": {"choices": ["clear_road"]}},
                     {"from_name": "steering", "value": {"number": 0.1}},
                     {"from_name": "acceleration", "value": {"number": 0.2}}]},
                   {"id": 9, "ground_truth": true, "result": [
                     {"from_name": "scene", "value": {"choices": ["debris"]}},
                     {"from_name": "steering", "value": {"number": -0.5}},
                     {"from_name": "acceleration", "value": {"number": -1}}]}]},
                 {"id": 2, "data": {"image": "data:image/jpeg;base64,BAU="}, "annotations": [
                   {"id": 10, "result": [
                     {"from_name": "scene", "value": {"choices": ["clear_road"]}},
                     {"from_name": "steering", "value": {"number": 0}},
                     {"from_name": "acceleration", "value": {"number": 0.3}}]}]}]
                """);

        LabelStudioFormat.LabeledFrames parsed = LabelStudioFormat.labeledFrames(export);

        assertThat(parsed.refused()).isEmpty();
        assertThat(parsed.frames()).hasSize(2);
        LabelStudioFormat.LabeledFrame first = parsed.frames().get(0);
        assertThat(first.frameId()).isEqualTo("f-1");
        assertThat(first.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
        assertThat(first.image()).containsExactly(1, 2, 3);
        assertThat(first.label()).isEqualTo(new Label("debris", -0.5f, -1f));
        LabelStudioFormat.LabeledFrame second = parsed.frames().get(1);
        assertThat(second.frameId()).as("a task made outside Gleaner").isEqualTo("task 2");
        assertThat(second.imageEncoding()).isEqualTo("IMAGE_ENCODING_JPEG");
        assertThat(second.label()).isEqualTo(new Label("clear_road", 0f, 0.3f));
    }

    /** What {@code gleaner labels export} writes of a labeled task reads back as a golden-set frame. */
    @Test
    void gleanersOwnExportOfALabeledTaskReadsBackAsALabeledFrame() {
        Instant at = Instant.parse("2026-11-29T10:00:00Z");
        TaskDetail detail = new TaskDetail(7, "frame-7", "vehicle-1", at, "IMAGE_ENCODING_PNG", 64, 64, null, 0.1f, 0.2f,
                "3", Map.of("clear_road", 0.9), 0.1f, 0.2f, List.of(), 1.0, "labeled", 1, null, null, at, 1, 1,
                List.of(new RecordedLabel(42, "ann", new Label("debris", -0.5f, -1f), true, at)), List.of());
        byte[] image = {1, 2, 3};

        LabelStudioFormat.LabeledFrames parsed = LabelStudioFormat.labeledFrames(JSON.createArrayNode()
                .add(LabelStudioFormat.task(detail, new TaskImage("IMAGE_ENCODING_PNG", image, null))));

        assertThat(parsed.refused()).isEmpty();
        assertThat(parsed.frames()).singleElement().satisfies(frame -> {
            assertThat(frame.frameId()).isEqualTo("frame-7");
            assertThat(frame.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
            assertThat(frame.image()).containsExactly(image);
            assertThat(frame.label()).isEqualTo(new Label("debris", -0.5f, -1f));
        });
    }

    @Test
    void aLabeledFrameWithoutAnInlineImageOrAUsableAnnotationIsRefusedWithTheReason() throws IOException {
        String labeled = """
                "annotations": [{"result": [
                  {"from_name": "scene", "value": {"choices": ["clear_road"]}},
                  {"from_name": "steering", "value": {"number": 0}},
                  {"from_name": "acceleration", "value": {"number": 0}}]}]""";
        JsonNode export = JSON.readTree("[{\"id\": 1, \"data\": {\"image\": \"s3://fleet/f.png\"}, " + labeled + "},"
                + " {\"id\": 2, \"data\": {\"image\": \"data:image/png;base64,***\"}, " + labeled + "},"
                + " {\"id\": 3, \"data\": {\"image\": \"data:image/png;base64,AQID\"}, \"annotations\": []},"
                + " {\"id\": 4, \"data\": {\"image\": \"data:image/png;base64,AQID\"}, \"annotations\": [{\"result\": []}]}]");

        LabelStudioFormat.LabeledFrames parsed = LabelStudioFormat.labeledFrames(export);

        assertThat(parsed.frames()).isEmpty();
        assertThat(parsed.refused()).hasSize(4);
        assertThat(parsed.refused().get(0)).startsWith("task 1: data.image must be an inline data:image/png;base64")
                .endsWith("not 's3://fleet/f.png'");
        assertThat(parsed.refused().get(1)).startsWith("task 2: data.image is not valid base64");
        assertThat(parsed.refused().get(2))
                .isEqualTo("task 3: no annotation reads as a label: the task has none that is not cancelled");
        assertThat(parsed.refused().get(3)).startsWith("task 4: no annotation reads as a label: needs a scene choice");
    }

    @Test
    void theLabelingConfigEscapesSceneNames() {
        assertThat(LabelStudioFormat.labelingConfig(List.of("a\"<b>&c")))
                .contains("<Choice value=\"a&quot;&lt;b&gt;&amp;c\"/>");
    }
}
