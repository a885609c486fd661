package io.gleaner.ingest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.ValidationResult;
import io.gleaner.schema.v1.FrameEvent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FleetSimulatorTest {

    @Test
    void sameSeedGivesByteIdenticalFramesAndTruth() {
        List<SimulatedFrame> first = new FleetSimulator(SimulatorConfig.defaults()).next(40);
        List<SimulatedFrame> second = new FleetSimulator(SimulatorConfig.defaults()).next(40);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).event().toByteArray()).isEqualTo(first.get(i).event().toByteArray());
            assertThat(second.get(i).truth()).isEqualTo(first.get(i).truth());
        }
    }

    @Test
    void differentSeedsGiveDifferentFramesAndIds() {
        SimulatedFrame a = new FleetSimulator(SimulatorConfig.defaults().withSeed(1)).next();
        SimulatedFrame b = new FleetSimulator(SimulatorConfig.defaults().withSeed(2)).next();
        assertThat(a.event().getImage().getData()).isNotEqualTo(b.event().getImage().getData());
        assertThat(a.event().getFrameId()).isNotEqualTo(b.event().getFrameId());
    }

    @Test
    void framesGoRoundRobinWithUniqueIdsAndAdvancingTime() {
        List<SimulatedFrame> frames = new FleetSimulator(SimulatorConfig.defaults()).next(12);
        assertThat(frames).extracting(f -> f.event().getVehicleId()).containsExactly(
                "vehicle-00", "vehicle-01", "vehicle-02", "vehicle-03", "vehicle-00", "vehicle-01",
                "vehicle-02", "vehicle-03", "vehicle-00", "vehicle-01", "vehicle-02", "vehicle-03");
        assertThat(frames.stream().map(f -> f.event().getFrameId()).collect(Collectors.toSet())).hasSize(12);
        assertThat(frames.get(4).event().getCaptureTimeMs() - frames.get(0).event().getCaptureTimeMs()).isEqualTo(100);
        assertThat(frames).extracting(f -> f.truth().frameId()).containsExactlyElementsOf(
                frames.stream().map(f -> f.event().getFrameId()).toList());
    }

    @Test
    void rareRateOver5000FramesIsNearTheConfiguredRate() {
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withRareRate(0.10));
        int pedestrians = 0;
        int stopped = 0;
        for (int i = 0; i < 5000; i++) {
            Scenario scenario = simulator.next().truth().scenario();
            pedestrians += scenario == Scenario.PEDESTRIAN_CROSSING ? 1 : 0;
            stopped += scenario == Scenario.STOPPED_VEHICLE ? 1 : 0;
        }
        // Expected 250 each; a binomial sigma is ~15.4, so +-70 is over 4 sigma.
        assertThat(pedestrians).isBetween(180, 320);
        assertThat(stopped).isBetween(180, 320);
    }

    @Test
    void forcedRenderShowsThatScenarioWithItsCorrectAction() {
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withHumanErrorRate(0));
        for (int i = 0; i < 20; i++) {
            Truth pedestrian = simulator.render(Scenario.PEDESTRIAN_CROSSING).truth();
            assertThat(pedestrian.scenario()).isEqualTo(Scenario.PEDESTRIAN_CROSSING);
            assertThat(pedestrian.acceleration()).isEqualTo(-0.9f);
            Truth stopped = simulator.render(Scenario.STOPPED_VEHICLE).truth();
            assertThat(stopped.scenario()).isEqualTo(Scenario.STOPPED_VEHICLE);
            assertThat(stopped.acceleration()).isEqualTo(-0.4f);
            Truth clear = simulator.render(Scenario.CLEAR_ROAD).truth();
            assertThat(clear.acceleration()).isBetween(-0.1f, 0.2f);
        }
    }

    @Test
    void framesAre64x64PngsThatDecodeAndPassIngestValidation() throws IOException {
        FrameValidator validator = new FrameValidator(IngestConfig.defaults());
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults());
        for (Scenario scenario : Scenario.values()) {
            FrameEvent event = simulator.render(scenario).event();
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(event.getImage().getData().toByteArray()));
            assertThat(image.getWidth()).isEqualTo(64);
            assertThat(image.getHeight()).isEqualTo(64);
            assertThat(validator.validate(event.toByteArray())).isInstanceOf(ValidationResult.Valid.class);
            assertThat(event.getAttributesMap()).isEmpty();
        }
    }

    @Test
    void rareScenesChangeTheLowerMiddleOfTheImage() throws IOException {
        // Same seed, same state: only the forced scene differs, so the pixel difference is the obstacle.
        FrameEvent clear = new FleetSimulator(SimulatorConfig.defaults()).render(Scenario.CLEAR_ROAD).event();
        for (Scenario rare : List.of(Scenario.PEDESTRIAN_CROSSING, Scenario.STOPPED_VEHICLE)) {
            FrameEvent withObstacle = new FleetSimulator(SimulatorConfig.defaults()).render(rare).event();
            BufferedImage a = decode(clear);
            BufferedImage b = decode(withObstacle);
            int changed = 0;
            for (int y = 24; y < 64; y++) {
                for (int x = 8; x < 56; x++) {
                    changed += colourDistance(a.getRGB(x, y), b.getRGB(x, y)) > 60 ? 1 : 0;
                }
            }
            assertThat(changed).as("pixels changed by %s", rare).isGreaterThan(25);
        }
    }

    @Test
    void humanActionIsCloseToTruthExceptWhenTheHumanErred() {
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withHumanErrorRate(0.05).withRareRate(0.3));
        int errors = 0;
        int lateBrakes = 0;
        for (int i = 0; i < 2000; i++) {
            SimulatedFrame frame = simulator.next();
            Truth truth = frame.truth();
            float steering = frame.event().getHumanAction().getSteering();
            float acceleration = frame.event().getHumanAction().getAcceleration();
            if (truth.humanErred()) {
                errors++;
                if (truth.scenario() == Scenario.PEDESTRIAN_CROSSING) {
                    lateBrakes++;
                    assertThat(acceleration).isGreaterThan(-0.2f);
                }
                continue;
            }
            // Driver style (gain 0.9..1.1, bias +-0.03) plus noise sigma 0.04: 0.35 is beyond 6 sigma.
            assertThat(steering).isCloseTo(truth.steering(), within(0.35f));
            assertThat(acceleration).isCloseTo(truth.acceleration(), within(0.35f));
        }
        assertThat(errors).isBetween(60, 140);
        assertThat(lateBrakes).isPositive();
    }

    @Test
    void scenarioLabelsAreTheSceneClassesInOrder() {
        assertThat(Scenario.labels()).containsExactly("clear_road", "pedestrian_crossing", "stopped_vehicle");
        assertThat(Set.of(Scenario.values())).filteredOn(Scenario::isRare)
                .containsExactlyInAnyOrder(Scenario.PEDESTRIAN_CROSSING, Scenario.STOPPED_VEHICLE);
    }

    private static BufferedImage decode(FrameEvent event) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(event.getImage().getData().toByteArray()));
    }

    private static int colourDistance(int rgbA, int rgbB) {
        int d = 0;
        for (int shift = 0; shift <= 16; shift += 8) {
            d += Math.abs(((rgbA >> shift) & 0xFF) - ((rgbB >> shift) & 0xFF));
        }
        return d;
    }
}
