package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.LabeledExample;
import io.gleaner.scorer.model.DrivingModel;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A golden set read from a Label Studio export file, as {@code gleaner retrain --golden-set} reads it. */
class GoldenSetTest {

    @Test
    void aLabelStudioExportReadsAsLabeledFramesTheGateCanMeasureOn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("golden.json");
        Files.writeString(file, "[" + task(1, "golden-1", png(DrivingScenes.SIZE, DrivingScenes.SIZE), "clear_road",
                0.25, 0.5) + ", " + task(2, "golden-2", png(DrivingScenes.SIZE, DrivingScenes.SIZE), "debris", -0.5, -1)
                + ", " + task(3, "not-an-image", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}), "debris", 0, 0)
                + "]");

        GoldenSet golden = GoldenSet.load(file);

        assertThat(golden.examples()).extracting(LabeledExample::frameId).containsExactly("golden-1", "golden-2");
        LabeledExample first = golden.examples().get(0);
        assertThat(first.labelId()).as("no queue label").isNegative();
        assertThat(first.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
        assertThat(first.width()).isEqualTo(DrivingScenes.SIZE);
        assertThat(first.height()).isEqualTo(DrivingScenes.SIZE);
        assertThat(first.scene()).isEqualTo("clear_road");
        assertThat(first.steering()).isEqualTo(0.25f);
        assertThat(first.acceleration()).isEqualTo(0.5f);
        assertThat(golden.refused()).containsExactly(
                "frame not-an-image: its image cannot be read as IMAGE_ENCODING_PNG");
        assertThat(golden.sha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
        assertThat(golden.examples()).extracting(LabeledExample::frameId).containsExactly("golden-1", "golden-2");
        try (DrivingModel model = DrivingModel.create(DrivingScenes.spec(), 3L)) {
            assertThat(EvaluationGate.evaluate(model, golden.examples()).get(EvaluationGate.EXAMPLES)).isEqualTo(2.0);
        }
    }

    @Test
    void aMissingFileAnUnreadableOneAndOneWithNothingUsableAreRefusedWithTheReason(@TempDir Path dir)
            throws IOException {
        assertThatThrownBy(() -> GoldenSet.load(dir.resolve("absent.json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absent.json does not exist").hasMessageContaining("Export > JSON");
        Path notJson = Files.writeString(dir.resolve("not.json"), "golden frames");
        assertThatThrownBy(() -> GoldenSet.load(notJson))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not.json is not JSON");
        Path notAList = Files.writeString(dir.resolve("object.json"), "{\"tasks\": []}");
        assertThatThrownBy(() -> GoldenSet.load(notAList))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a JSON list of tasks");
        Path unlabeled = Files.writeString(dir.resolve("unlabeled.json"),
                "[{\"id\": 5, \"data\": {\"image\": \"data:image/png;base64," + png(8, 8) + "\"}, \"annotations\": []}]");
        assertThatThrownBy(() -> GoldenSet.load(unlabeled))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("golden set " + unlabeled + " has no usable labeled frame: task 5: no annotation reads as"
                        + " a label: the task has none that is not cancelled");
    }

    /** Labels of golden frames never reach a fine-tune or its held-out split. */
    @Test
    void labelsOfGoldenFramesAreLeftOutOfRetraining() {
        List<LabeledExample> labels = DrivingScenes.labeled("frame", 4, 1L);

        List<LabeledExample> kept = RetrainService.withoutFrames(labels, Set.of("frame-1", "frame-3", "elsewhere"));

        assertThat(kept).extracting(LabeledExample::frameId).containsExactly("frame-0", "frame-2");
        assertThat(RetrainService.withoutFrames(labels, Set.of())).isSameAs(labels);
    }

    private static String task(int id, String frameId, String base64Png, String scene, double steering,
            double acceleration) {
        return String.format(Locale.ROOT, """
                {"id": %d, "data": {"frame_id": "%s", "image": "data:image/png;base64,%s"}, "annotations": [
                  {"id": %d, "completed_by": 1, "result": [
                    {"from_name": "scene", "value": {"choices": ["%s"]}},
                    {"from_name": "steering", "value": {"number": %s}},
                    {"from_name": "acceleration", "value": {"number": %s}}]}]}""",
                id, frameId, base64Png, 100 + id, scene, steering, acceleration);
    }

    private static String png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.getGraphics().setColor(Color.GRAY);
        image.getGraphics().fillRect(0, 0, width / 2, height);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
