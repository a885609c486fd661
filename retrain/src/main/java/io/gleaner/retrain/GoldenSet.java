package io.gleaner.retrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gleaner.queue.LabelStudioFormat;
import io.gleaner.queue.LabeledExample;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The golden set the {@link EvaluationGate} measures every candidate on: frames drawn from the
 * fleet at random, each labeled once, never trained on. It is read once, at start, from a Label
 * Studio JSON export (a team labels a random sample there, or in Gleaner and exports it), and its
 * SHA-256 is kept so a run's log says which set judged it. {@link RetrainService} leaves its frames
 * out of training, should a golden frame also be harvested and labeled.
 *
 * @param source the file it was read from
 * @param sha256 the file's SHA-256, hex
 * @param examples the usable labeled frames, in file order, with negative label ids (they are no
 *     queue labels)
 * @param refused one line per task that could not be used, with what was wrong
 */
public record GoldenSet(Path source, String sha256, List<LabeledExample> examples, List<String> refused) {

    public GoldenSet {
        examples = List.copyOf(examples);
        refused = List.copyOf(refused);
    }

    /**
     * Reads a Label Studio JSON export (see {@link LabelStudioFormat#labeledFrames}).
     *
     * @throws IllegalArgumentException when the file is missing, is not a Label Studio export, or
     *     holds no usable labeled frame (the message names the first reasons)
     */
    public static GoldenSet load(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("golden set " + file + " does not exist; export a labeled random sample"
                    + " of the fleet from Label Studio (Export > JSON) or with 'gleaner labels export'", e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading golden set " + file + ": " + e.getMessage(), e);
        }
        LabelStudioFormat.LabeledFrames parsed;
        try {
            parsed = LabelStudioFormat.labeledFrames(new ObjectMapper().readTree(content));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("golden set " + file + " is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading golden set " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("golden set " + file + ": " + e.getMessage(), e);
        }
        List<LabeledExample> examples = new ArrayList<>();
        List<String> refused = new ArrayList<>(parsed.refused());
        for (LabelStudioFormat.LabeledFrame frame : parsed.frames()) {
            int[] size = imageSize(frame.image());
            if (size == null) {
                refused.add("frame " + frame.frameId() + ": its image cannot be read as " + frame.imageEncoding());
                continue;
            }
            examples.add(new LabeledExample(-(examples.size() + 1L), 0, frame.frameId(), frame.imageEncoding(), size[0],
                    size[1], frame.image(), frame.label().scene(), frame.label().steering(),
                    frame.label().acceleration()));
        }
        if (examples.isEmpty()) {
            String reasons = String.join("; ", refused.subList(0, Math.min(3, refused.size())));
            throw new IllegalArgumentException("golden set " + file + " has no usable labeled frame"
                    + (refused.isEmpty() ? "" : ": " + reasons));
        }
        return new GoldenSet(file, sha256(content), examples, refused);
    }

    /** Width and height from the image's header, or null when no reader knows it. */
    private static int[] imageSize(byte[] image) {
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must have", e);
        }
    }
}
