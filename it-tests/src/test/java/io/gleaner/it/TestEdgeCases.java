package io.gleaner.it;

import com.google.protobuf.ByteString;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.util.List;

/**
 * A small harvested frame for the queue ITs: a 2×2 raw image, the human steering 0.1 and braking
 * 0.5, a model that says pedestrian_crossing (0.6 against clear_road 0.4), steering 0 and
 * accelerating 0.2, and one trigger that fired.
 */
final class TestEdgeCases {
    private TestEdgeCases() {
    }

    static EdgeCase edgeCase(String frameId, String vehicleId, String trigger, double priority) {
        FrameEvent frame = FrameEvent.newBuilder()
                .setFrameId(frameId)
                .setVehicleId(vehicleId)
                .setCamera("front")
                .setCaptureTimeMs(1_700_000_000_000L)
                .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW)
                        .setWidth(2).setHeight(2).setChannels(3).setData(ByteString.copyFrom(new byte[12])))
                .setHumanAction(DriverAction.newBuilder().setSteering(0.1f).setAcceleration(-0.5f))
                .build();
        ScoredFrame scored = ScoredFrame.newBuilder()
                .setFrame(frame)
                .setModelVersion("1")
                .addAllSceneClasses(List.of("clear_road", "pedestrian_crossing"))
                .addAllSceneProbabilities(List.of(0.4f, 0.6f))
                .setPredictedAction(DriverAction.newBuilder().setSteering(0.0f).setAcceleration(0.2f))
                .build();
        return EdgeCase.newBuilder()
                .setScored(scored)
                .addTriggers(Trigger.newBuilder().setName(trigger).setScore(0.9).setThreshold(0.5))
                .setPriority(priority)
                .setHarvestedTimeMs(1_700_000_000_500L)
                .build();
    }
}
