package io.gleaner.queue;

import com.google.protobuf.ByteString;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.nio.charset.StandardCharsets;

/** Edge cases for tests, with every field the task table stores set to a value worth checking. */
public final class EdgeCases {
    public static final long CAPTURE_TIME_MS = 1_764_201_600_123L;
    public static final long HARVESTED_TIME_MS = 1_764_201_605_456L;

    private EdgeCases() {}

    public static byte[] imageBytes(String frameId) {
        return ("png-of-" + frameId).getBytes(StandardCharsets.UTF_8);
    }

    public static EdgeCase edgeCase(String frameId, double priority) {
        FrameEvent frame = FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId("vehicle-3")
                .setCamera("front")
                .setCaptureTimeMs(CAPTURE_TIME_MS)
                .setImage(Image.newBuilder()
                        .setEncoding(ImageEncoding.IMAGE_ENCODING_PNG)
                        .setWidth(64)
                        .setHeight(48)
                        .setChannels(3)
                        .setData(ByteString.copyFrom(imageBytes(frameId))))
                .setHumanAction(DriverAction.newBuilder().setSteering(-0.25f).setAcceleration(0.5f))
                .build();
        ScoredFrame scored = ScoredFrame.newBuilder()
                .setFrame(frame)
                .setModelVersion("7")
                .addSceneClasses("clear_road").addSceneProbabilities(0.25f)
                .addSceneClasses("pedestrian_crossing").addSceneProbabilities(0.75f)
                .setPredictedAction(DriverAction.newBuilder().setSteering(0.125f).setAcceleration(-0.5f))
                .build();
        return EdgeCase.newBuilder()
                .setScored(scored)
                .addTriggers(Trigger.newBuilder().setName("action_disagreement").setScore(0.875).setThreshold(0.5))
                .setPriority(priority)
                .setHarvestedTimeMs(HARVESTED_TIME_MS)
                .build();
    }
}
