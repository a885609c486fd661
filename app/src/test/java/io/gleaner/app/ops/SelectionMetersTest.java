package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import io.gleaner.schema.v1.ImageEncoding;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.SelectionMetrics;
import io.gleaner.uncertainty.SelectionTopology;
import io.gleaner.uncertainty.TriggerConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Harvests by trigger reach /metrics once a trigger first fires, with the count the stage made. */
class SelectionMetersTest {
    @TempDir
    Path stateDir;

    @Test
    void aTriggerThatFiredThreeTimesShowsThreeAndFramesInCountEveryFrame() {
        SelectionMetrics metrics = new SelectionMetrics();
        SelectionConfig config = SelectionConfig.defaults()
                .withTriggers(List.of(TriggerConfig.parse("big-action=action-disagreement,threshold=0.5")));
        StreamsBuilder builder = new StreamsBuilder();
        SelectionTopology.build(builder, config, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, SelectionTopology.APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());

        try (OpsEndpoint endpoint = OpsEndpoint.open("select", OpsConfig.off());
             TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(1_000_000L))) {
            SelectionMeters meters = new SelectionMeters(metrics);
            endpoint.bind(meters);
            endpoint.beforeScrape(meters::registerNewTriggers);
            assertThat(endpoint.scrape()).doesNotContain("gleaner_harvest_triggers_total{");
            TestInputTopic<String, ScoredFrame> scored = driver.createInputTopic(Topics.FRAMES_SCORED.name(),
                    Topics.FRAMES_SCORED.keySerde().serializer(), Topics.FRAMES_SCORED.valueSerde().serializer());
            // Disagreement: predicted (0.8, 0.6) against the human's (-0.8, -0.6) is 2 / (2√2) ≈ 0.71 > 0.5.
            for (int i = 0; i < 3; i++) {
                scored.pipeInput("v", frame("spike-" + i, 0.8f, 0.6f, -0.8f, -0.6f));
            }
            for (int i = 0; i < 2; i++) {
                scored.pipeInput("v", frame("quiet-" + i, 0f, 0.5f, 0f, 0.5f));
            }

            String scraped = endpoint.scrape();

            assertThat(scraped)
                    .contains("gleaner_harvest_triggers_total{role=\"select\",trigger=\"big-action\"} 3.0")
                    .contains("gleaner_frames_in_total{role=\"select\"} 5.0")
                    .contains("gleaner_frames_out_total{role=\"select\"} " + (double) metrics.harvested())
                    .contains("gleaner_dlq_records_total{reason=\"malformed\",role=\"select\"} 0.0");
            assertThat(metrics.harvested()).isGreaterThanOrEqualTo(3);
        }
    }

    private static ScoredFrame frame(String frameId, float predSteer, float predAccel, float humanSteer, float humanAccel) {
        return ScoredFrame.newBuilder()
                .setFrame(FrameEvent.newBuilder()
                        .setFrameId(frameId)
                        .setVehicleId("v")
                        .setImage(Image.newBuilder().setEncoding(ImageEncoding.IMAGE_ENCODING_RAW)
                                .setWidth(2).setHeight(1).setChannels(1).setData(ByteString.copyFrom(new byte[] {1, 2})))
                        .setHumanAction(DriverAction.newBuilder().setSteering(humanSteer).setAcceleration(humanAccel)))
                .setModelVersion("1")
                .addAllSceneClasses(List.of("clear_road", "pedestrian_crossing", "stopped_vehicle"))
                .addAllSceneProbabilities(List.of(0.98f, 0.01f, 0.01f))
                .setPredictedAction(DriverAction.newBuilder().setSteering(predSteer).setAcceleration(predAccel))
                .build();
    }
}
