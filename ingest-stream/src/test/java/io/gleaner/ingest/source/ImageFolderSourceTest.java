package io.gleaner.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.ValidationResult;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderSourceTest {
    /** 100x100 px and 20 kB at most, so the test can make oversized files cheaply. */
    private static final IngestConfig LIMITS = new IngestConfig(2 * 1024 * 1024, 20_000, 100, 100, Duration.ofHours(1));

    @TempDir Path parent;
    private Path root;
    private final List<SkippedFile> skips = new ArrayList<>();

    @BeforeEach
    void makeFolder() throws IOException {
        root = Files.createDirectories(parent.resolve("dashcam"));
        write("b.png", "png", 8, 6, BufferedImage.TYPE_INT_RGB);
        write("a/Z.JPG", "jpeg", 10, 4, BufferedImage.TYPE_INT_RGB);
        write("a/gray.png", "png", 3, 3, BufferedImage.TYPE_BYTE_GRAY);
        write("c.jpeg", "jpeg", 5, 5, BufferedImage.TYPE_INT_RGB);
        write("huge.png", "png", 101, 2, BufferedImage.TYPE_BYTE_GRAY);
        Files.writeString(root.resolve("notes.txt"), "not an image");
        Files.writeString(root.resolve("a/broken.png"), "not a png either");
        Files.write(root.resolve("fat.jpg"), new byte[20_001]);
        FileTime time = FileTime.fromMillis(1_767_225_600_000L);
        try (var files = Files.walk(root)) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, time);
            }
        }
    }

    private void write(String relative, String format, int width, int height, int type) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        BufferedImage image = new BufferedImage(width, height, type);
        image.getRaster().setSample(0, 0, 0, 200);
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
    }

    private List<FrameEvent> readAll(ImageFolderSource source) {
        List<FrameEvent> frames = new ArrayList<>();
        source.forEachRemaining(frames::add);
        return frames;
    }

    @Test
    void takesImageFilesInRelativePathOrderWithStableIds() {
        ImageFolderSource source = ImageFolderSource.open(root, null, LIMITS, skips::add);
        List<FrameEvent> frames = readAll(source);

        assertThat(frames).extracting(FrameEvent::getFrameId).containsExactly(
                "dashcam/a/Z.JPG", "dashcam/a/gray.png", "dashcam/b.png", "dashcam/c.jpeg");
        assertThat(frames).extracting(FrameEvent::getVehicleId).containsOnly("dashcam");
        FrameEvent jpeg = frames.get(0);
        assertThat(jpeg.getImage().getEncoding()).isEqualTo(ImageEncoding.IMAGE_ENCODING_JPEG);
        assertThat(jpeg.getImage().getWidth()).isEqualTo(10);
        assertThat(jpeg.getImage().getHeight()).isEqualTo(4);
        FrameEvent gray = frames.get(1);
        assertThat(gray.getImage().getEncoding()).isEqualTo(ImageEncoding.IMAGE_ENCODING_PNG);
        assertThat(gray.getImage().getChannels()).isEqualTo(1);
        assertThat(frames.get(2).getImage().getChannels()).isEqualTo(3);
        assertThat(frames.get(2).getCaptureTimeMs()).isEqualTo(1_767_225_600_000L);
        assertThat(frames.get(2).getHumanAction().getSteering()).isZero();
    }

    @Test
    void everyFrameItMakesPassesIngestValidation() {
        FrameValidator validator = new FrameValidator(LIMITS);
        ImageFolderSource source = ImageFolderSource.open(root, null, LIMITS, skips::add);
        for (FrameEvent frame : readAll(source)) {
            assertThat(validator.validate(frame.getVehicleId().getBytes(StandardCharsets.UTF_8), frame.toByteArray()))
                    .as(frame.getFrameId())
                    .isInstanceOf(ValidationResult.Valid.class);
        }
    }

    @Test
    void twoReadsOfTheSameFolderGiveByteIdenticalFrames() {
        List<FrameEvent> first = readAll(ImageFolderSource.open(root, "car-7", LIMITS, skips::add));
        List<FrameEvent> second = readAll(ImageFolderSource.open(root, "car-7", LIMITS, skips::add));
        assertThat(first).hasSize(4).isEqualTo(second);
        assertThat(first.get(0).getFrameId()).isEqualTo("car-7/a/Z.JPG");
    }

    @Test
    void unreadableAndOversizedFilesAreSkippedCountedAndReported() {
        ImageFolderSource source = ImageFolderSource.open(root, null, LIMITS, skips::add);
        readAll(source);

        assertThat(source.fileCount()).isEqualTo(7);
        assertThat(source.skipped()).isEqualTo(3);
        assertThat(source.skipped(SkippedFile.Reason.UNREADABLE)).isEqualTo(1);
        assertThat(source.skipped(SkippedFile.Reason.OVERSIZED)).isEqualTo(2);
        assertThat(skips).extracting(s -> root.relativize(s.file()).toString().replace('\\', '/'))
                .containsExactly("a/broken.png", "fat.jpg", "huge.png");
        assertThat(skips.get(1).detail()).contains("20001 bytes", "limit is 20000");
        assertThat(skips.get(2).detail()).contains("101x2 px", "limit is 100x100");
    }

    @Test
    void aTooLongPathGetsAStableHashedIdWithinTheIdLimit() {
        Path deep = Path.of("x".repeat(90), "y".repeat(90) + ".png");
        String id = ImageFolderSource.frameId("dashcam", deep);
        assertThat(id).hasSize(FrameValidator.MAX_ID_CHARS)
                .endsWith("~" + id.substring(id.length() - 32))
                .isEqualTo(ImageFolderSource.frameId("dashcam", deep))
                .isNotEqualTo(ImageFolderSource.frameId("dashcan", deep));
        assertThat(id.substring(0, 95)).endsWith("y".repeat(90) + ".png");
    }

    @Test
    void aPathThatIsNotAFolderIsRefused() {
        assertThatThrownBy(() -> ImageFolderSource.open(root.resolve("b.png"), null, LIMITS, skips::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a folder");
    }
}
