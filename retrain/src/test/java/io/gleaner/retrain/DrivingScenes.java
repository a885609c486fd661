package io.gleaner.retrain;

import com.google.protobuf.ByteString;
import io.gleaner.queue.LabeledExample;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import io.gleaner.scorer.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic world small enough to learn in seconds: 64×64 RAW images of one brightness (plus
 * noise), where the correct steering is {@code 2b − 1}, the correct acceleration {@code 1 − 2b},
 * and the scene is the brightness third.
 */
final class DrivingScenes {
    static final List<String> CLASSES = List.of("clear_road", "pedestrian_crossing", "stopped_vehicle");
    static final int SIZE = 64;

    private DrivingScenes() {}

    static ModelSpec spec() {
        return ModelSpec.defaults(CLASSES);
    }

    static float brightness(int i, int n) {
        return (i + 0.5f) / n;
    }

    static float steering(float brightness) {
        return 2 * brightness - 1;
    }

    static float acceleration(float brightness) {
        return 1 - 2 * brightness;
    }

    static String scene(float brightness) {
        return CLASSES.get(Math.min(2, (int) (brightness * 3)));
    }

    static byte[] rawImage(float brightness, Random random) {
        byte[] pixels = new byte[SIZE * SIZE * 3];
        for (int i = 0; i < pixels.length; i++) {
            int value = Math.round(brightness * 255) + random.nextInt(21) - 10;
            pixels[i] = (byte) Math.max(0, Math.min(255, value));
        }
        return pixels;
    }

    static Image image(byte[] raw) {
        return Image.newBuilder()
                .setEncoding(ImageEncoding.IMAGE_ENCODING_RAW)
                .setWidth(SIZE)
                .setHeight(SIZE)
                .setChannels(3)
                .setData(ByteString.copyFrom(raw))
                .build();
    }

    /** Labeled examples with the correct actions, frame ids {@code <prefix>-<i>}. */
    static List<LabeledExample> labeled(String prefix, int n, long seed) {
        Random random = new Random(seed);
        List<LabeledExample> examples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float b = brightness(i, n);
            examples.add(new LabeledExample(i + 1, i + 1, prefix + "-" + i, ImageEncoding.IMAGE_ENCODING_RAW.name(),
                    SIZE, SIZE, rawImage(b, random), scene(b), steering(b), acceleration(b)));
        }
        return examples;
    }

    /** Frames whose human driver did {@code action(b)}, e.g. the correct action or a wrong one. */
    static List<FrameEvent> frames(String prefix, int n, long seed, boolean humanIsRight) {
        Random random = new Random(seed);
        List<FrameEvent> frames = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float b = brightness(i, n);
            float steering = humanIsRight ? steering(b) : -steering(b);
            float acceleration = humanIsRight ? acceleration(b) : -acceleration(b);
            frames.add(frame(prefix + "-" + i, rawImage(b, random), steering, acceleration));
        }
        return frames;
    }

    static FrameEvent frame(String frameId, byte[] raw, float steering, float acceleration) {
        return FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId("vehicle-1")
                .setCamera("front")
                .setCaptureTimeMs(1_764_201_600_000L)
                .setImage(image(raw))
                .setHumanAction(DriverAction.newBuilder().setSteering(steering).setAcceleration(acceleration))
                .build();
    }

    /** An edge case for the labeling queue carrying {@code frame}. */
    static EdgeCase edgeCase(FrameEvent frame, double priority) {
        ScoredFrame scored = ScoredFrame.newBuilder()
                .setFrame(frame)
                .setModelVersion("1")
                .addAllSceneClasses(CLASSES)
                .addSceneProbabilities(0.4f).addSceneProbabilities(0.3f).addSceneProbabilities(0.3f)
                .setPredictedAction(DriverAction.newBuilder().setSteering(0f).setAcceleration(0f))
                .build();
        return EdgeCase.newBuilder()
                .setScored(scored)
                .addTriggers(Trigger.newBuilder().setName("action_disagreement").setScore(0.9).setThreshold(0.5))
                .setPriority(priority)
                .setHarvestedTimeMs(1_764_201_605_000L)
                .build();
    }
}
