package io.gleaner.ingest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.ValidationResult;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FleetSimulatorTest {

    @ParameterizedTest
    @EnumSource(FrameEncoding.class)
    void sameSeedGivesByteIdenticalFramesAndTruth(FrameEncoding encoding) {
        SimulatorConfig config = SimulatorConfig.defaults().withEncoding(encoding).withRareRate(0.3);
        List<SimulatedFrame> first = new FleetSimulator(config).next(60);
        List<SimulatedFrame> second = new FleetSimulator(config).next(60);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).event().toByteArray()).isEqualTo(first.get(i).event().toByteArray());
            assertThat(second.get(i).truth()).isEqualTo(first.get(i).truth());
        }
        assertThat(first.get(0).event().getImage().getEncoding()).isEqualTo(encoding.wire());
    }

    @Test
    void aVehiclesFramesDoNotDependOnHowManyOtherVehiclesThereAre() {
        SimulatorConfig config = SimulatorConfig.defaults().withRareRate(0.3);
        List<SimulatedFrame> inPairs = framesOf("vehicle-01", new FleetSimulator(config.withVehicles(2)).next(2 * 25));
        List<SimulatedFrame> inSeven = framesOf("vehicle-01", new FleetSimulator(config.withVehicles(7)).next(7 * 25));
        assertThat(inPairs).hasSize(25);
        assertThat(inSeven).hasSize(25);
        for (int i = 0; i < inPairs.size(); i++) {
            assertThat(inSeven.get(i).event().toByteArray()).as("frame %d of vehicle-01", i)
                    .isEqualTo(inPairs.get(i).event().toByteArray());
            assertThat(inSeven.get(i).truth()).isEqualTo(inPairs.get(i).truth());
        }
        // ...while another vehicle of the same fleet drives a different road.
        assertThat(framesOf("vehicle-00", new FleetSimulator(config.withVehicles(2)).next(2)).get(0).event().getImage())
                .isNotEqualTo(inPairs.get(0).event().getImage());
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
    void eachScenarioAppearsAtItsOwnRate() {
        RareRates rates = new RareRates(Map.of(
                Scenario.PEDESTRIAN_CROSSING, 0.02, Scenario.STOPPED_VEHICLE, 0.04, Scenario.CONSTRUCTION_CONES, 0.06,
                Scenario.DEBRIS, 0.08, Scenario.LOW_SUN_GLARE, 0.10));
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withSize(32).withRareRates(rates));
        int frames = 8000;
        Map<Scenario, Integer> seen = new EnumMap<>(Scenario.class);
        for (int i = 0; i < frames; i++) {
            seen.merge(simulator.next().truth().scenario(), 1, Integer::sum);
        }
        for (Scenario scenario : Scenario.rareScenarios()) {
            double expected = rates.rateOf(scenario) * frames;
            // 4.5 binomial sigmas either side: a band a correct simulator leaves about once in 10^5 runs.
            double band = 4.5 * Math.sqrt(expected * (1 - rates.rateOf(scenario)));
            assertThat((double) seen.getOrDefault(scenario, 0)).as("%s frames", scenario)
                    .isBetween(expected - band, expected + band);
        }
        assertThat((double) seen.get(Scenario.CLEAR_ROAD)).isBetween(0.7 * frames - 190, 0.7 * frames + 190);
    }

    @Test
    void defaultRatesMakeAbout2PercentOfFramesRareSplitEvenly() {
        assertThat(SimulatorConfig.defaults().rareRate()).isCloseTo(0.02, within(1e-12));
        for (Scenario scenario : Scenario.rareScenarios()) {
            assertThat(RareRates.defaults().rateOf(scenario)).isCloseTo(0.004, within(1e-12));
        }
        assertThat(RareRates.defaults().rateOf(Scenario.CLEAR_ROAD)).isZero();
    }

    @Test
    void forcedScenariosCarryTheirCorrectActionAgainstTheClearRoadActionForTheSameRoad() {
        for (long seed = 1; seed <= 25; seed++) {
            SimulatorConfig config = SimulatorConfig.defaults().withSeed(seed).withHumanErrorRate(0);
            Truth clear = new FleetSimulator(config).render(Scenario.CLEAR_ROAD).truth();
            Map<Scenario, Truth> truth = new EnumMap<>(Scenario.class);
            for (Scenario scenario : Scenario.values()) {
                truth.put(scenario, new FleetSimulator(config).render(scenario).truth());
                assertThat(truth.get(scenario).scenario()).isEqualTo(scenario);
            }
            Truth pedestrian = truth.get(Scenario.PEDESTRIAN_CROSSING);
            assertThat(pedestrian.acceleration()).isEqualTo(-0.9f);
            assertThat(pedestrian.steering()).isEqualTo(clear.steering());

            assertThat(truth.get(Scenario.STOPPED_VEHICLE).acceleration()).isEqualTo(-0.4f);
            assertSwerve(truth.get(Scenario.STOPPED_VEHICLE), clear, 0.5f);
            assertThat(truth.get(Scenario.CONSTRUCTION_CONES).acceleration()).isEqualTo(-0.3f);
            assertSwerve(truth.get(Scenario.CONSTRUCTION_CONES), clear, 0.35f);
            assertThat(truth.get(Scenario.DEBRIS).acceleration()).isEqualTo(-0.25f);
            assertSwerve(truth.get(Scenario.DEBRIS), clear, 0.2f);

            Truth glare = truth.get(Scenario.LOW_SUN_GLARE);
            assertThat(glare.steering()).isEqualTo(clear.steering());
            assertThat(glare.acceleration()).isEqualTo(clear.acceleration());
            assertThat(clear.acceleration()).isBetween(-0.1f, 0.2f);
        }
    }

    @Test
    void conesOnTheRightMeanSteerLeftAndViceVersa() throws IOException {
        int left = 0;
        int right = 0;
        for (long seed = 1; seed <= 30; seed++) {
            SimulatorConfig config = SimulatorConfig.defaults().withSeed(seed).withHumanErrorRate(0);
            SimulatedFrame cones = new FleetSimulator(config).render(Scenario.CONSTRUCTION_CONES);
            SimulatedFrame clear = new FleetSimulator(config).render(Scenario.CLEAR_ROAD);
            double orangeX = meanX(decode(cones.event()), decode(clear.event()));
            float swerve = swerve(cones.truth(), clear.truth());
            if (Math.abs(clear.truth().steering()) > 0.6f) {
                continue; // the swerve may be clipped at the steering limit
            }
            // The cones stand on the side the car must leave.
            if (orangeX > 32) {
                assertThat(swerve).as("seed %d: cones right of centre", seed).isNegative();
                right++;
            } else {
                assertThat(swerve).as("seed %d: cones left of centre", seed).isPositive();
                left++;
            }
        }
        assertThat(left).isPositive();
        assertThat(right).isPositive();
    }

    @Test
    void humanActionIsCloseToTruthExceptWhenTheHumanErred() {
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withHumanErrorRate(0.05).withRareRate(0.5));
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

    @ParameterizedTest
    @ValueSource(ints = {64, 224})
    void pngAndJpegFramesDecodeToTheConfiguredSizeAndPassIngestValidation(int side) throws IOException {
        FrameValidator validator = new FrameValidator(IngestConfig.defaults());
        for (FrameEncoding encoding : FrameEncoding.values()) {
            FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withSize(side).withEncoding(encoding));
            for (Scenario scenario : Scenario.values()) {
                FrameEvent event = simulator.render(scenario).event();
                BufferedImage image = decode(event);
                assertThat(image.getWidth()).isEqualTo(side);
                assertThat(image.getHeight()).isEqualTo(side);
                assertThat(event.getImage().getWidth()).isEqualTo(side);
                assertThat(event.getImage().getEncoding()).isEqualTo(encoding.wire());
                assertThat(validator.validate(event.toByteArray())).as("%s %s %dpx", encoding, scenario, side)
                        .isInstanceOf(ValidationResult.Valid.class);
                assertThat(event.getAttributesMap()).isEmpty();
            }
        }
    }

    @Test
    void jpegIsSmallerAtLowerQualityAndStillShowsTheRoad() throws IOException {
        SimulatorConfig config = SimulatorConfig.defaults().withSize(128).withEncoding(FrameEncoding.JPEG);
        FrameEvent fine = new FleetSimulator(config.withJpegQuality(0.95)).next().event();
        FrameEvent coarse = new FleetSimulator(config.withJpegQuality(0.2)).next().event();
        assertThat(coarse.getImage().getEncoding()).isEqualTo(ImageEncoding.IMAGE_ENCODING_JPEG);
        assertThat(coarse.getImage().getData().size()).isLessThan(fine.getImage().getData().size());
        BufferedImage a = decode(fine);
        BufferedImage b = decode(coarse);
        long difference = 0;
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                difference += colourDistance(a.getRGB(x, y), b.getRGB(x, y));
            }
        }
        // Artifacts, not another picture: on average well under 40 levels over three channels.
        assertThat(difference / (128.0 * 128)).isBetween(1.0, 40.0);
    }

    @Test
    void rareScenesChangeTheLowerMiddleOfTheImage() throws IOException {
        // Same seed, same state: only the forced scene differs, so the pixel difference is the obstacle.
        FrameEvent clear = new FleetSimulator(SimulatorConfig.defaults()).render(Scenario.CLEAR_ROAD).event();
        for (Scenario rare : Scenario.rareScenarios()) {
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
    void glareWashesOutTheSky() throws IOException {
        BufferedImage clear = decode(new FleetSimulator(SimulatorConfig.defaults()).render(Scenario.CLEAR_ROAD).event());
        BufferedImage glare = decode(new FleetSimulator(SimulatorConfig.defaults()).render(Scenario.LOW_SUN_GLARE).event());
        assertThat(meanBrightness(glare, 0, 20)).isGreaterThan(meanBrightness(clear, 0, 20) + 40);
    }

    @Test
    void lightingAndWeatherVaryAcrossTheFleet() throws IOException {
        FleetSimulator simulator = new FleetSimulator(SimulatorConfig.defaults().withVehicles(40));
        double darkest = 255;
        double brightest = 0;
        for (SimulatedFrame frame : simulator.next(40)) {
            double brightness = meanBrightness(decode(frame.event()), 40, 64);
            darkest = Math.min(darkest, brightness);
            brightest = Math.max(brightest, brightness);
        }
        // Night frames are far darker than day frames.
        assertThat(brightest - darkest).isGreaterThan(50);
    }

    @Test
    void configRefusesSizesBeyond224AndRatesThatSumOverOne() {
        assertThatThrownBy(() -> SimulatorConfig.defaults().withSize(225))
                .hasMessageContaining("sim.width is 225").hasMessageContaining("32..224");
        assertThatThrownBy(() -> SimulatorConfig.defaults().withSize(16)).hasMessageContaining("sim.width is 16");
        assertThatThrownBy(() -> SimulatorConfig.defaults().withJpegQuality(0)).hasMessageContaining("sim.jpeg-quality");
        assertThatThrownBy(() -> new RareRates(Map.of(Scenario.DEBRIS, 0.7, Scenario.LOW_SUN_GLARE, 0.7)))
                .hasMessageContaining("sum to 1.4");
        assertThatThrownBy(() -> new RareRates(Map.of(Scenario.CLEAR_ROAD, 0.1)))
                .hasMessageContaining("clear_road, which is not a rare scenario");
        assertThatThrownBy(() -> RareRates.defaults().with(Scenario.DEBRIS, -0.1)).hasMessageContaining("debris is -0.1");
    }

    @Test
    void scenarioLabelsAreTheSceneClassesInOrder() {
        assertThat(Scenario.labels()).containsExactly("clear_road", "pedestrian_crossing", "stopped_vehicle",
                "construction_cones", "debris", "low_sun_glare");
        assertThat(Scenario.rareScenarios()).containsExactly(Scenario.PEDESTRIAN_CROSSING, Scenario.STOPPED_VEHICLE,
                Scenario.CONSTRUCTION_CONES, Scenario.DEBRIS, Scenario.LOW_SUN_GLARE);
        assertThat(Scenario.values()).filteredOn(Scenario::isDangerous).containsExactly(Scenario.PEDESTRIAN_CROSSING,
                Scenario.STOPPED_VEHICLE, Scenario.CONSTRUCTION_CONES, Scenario.DEBRIS);
    }

    private static List<SimulatedFrame> framesOf(String vehicleId, List<SimulatedFrame> frames) {
        return frames.stream().filter(f -> f.event().getVehicleId().equals(vehicleId)).toList();
    }

    /** The swerve added to the clear-road steering, or what is left of it where the steering hits its limit. */
    private static float swerve(Truth scenario, Truth clear) {
        return Math.round((scenario.steering() - clear.steering()) * 100) / 100f;
    }

    private static void assertSwerve(Truth scenario, Truth clear, float size) {
        float left = Math.max(-1f, clear.steering() - size);
        float right = Math.min(1f, clear.steering() + size);
        assertThat(scenario.steering()).as("%s steering; clear road %s", scenario.scenario(), clear.steering())
                .satisfiesAnyOf(s -> assertThat(s).isCloseTo(left, within(1e-5f)),
                        s -> assertThat(s).isCloseTo(right, within(1e-5f)));
    }

    /**
     * Mean column of the nearest cone: the lowest orange pixels that {@code scene} has and {@code clear}
     * has not. The nearest cone stands close enough that the bend hardly moves it.
     */
    private static double meanX(BufferedImage scene, BufferedImage clear) {
        int lowest = -1;
        for (int y = 0; y < scene.getHeight(); y++) {
            for (int x = 0; x < scene.getWidth(); x++) {
                if (isConeOrange(scene.getRGB(x, y), clear.getRGB(x, y))) {
                    lowest = y;
                }
            }
        }
        assertThat(lowest).as("orange cone pixels").isNotNegative();
        double sum = 0;
        int count = 0;
        for (int y = Math.max(0, lowest - 2); y <= lowest; y++) {
            for (int x = 0; x < scene.getWidth(); x++) {
                if (isConeOrange(scene.getRGB(x, y), clear.getRGB(x, y))) {
                    sum += x;
                    count++;
                }
            }
        }
        return sum / count;
    }

    private static boolean isConeOrange(int rgb, int clearRgb) {
        int red = (rgb >> 16) & 0xFF;
        boolean orange = red > 90 && ((rgb >> 8) & 0xFF) < 0.55 * red && (rgb & 0xFF) < 0.3 * red;
        return orange && colourDistance(rgb, clearRgb) > 60;
    }

    private static double meanBrightness(BufferedImage image, int fromRow, int toRow) {
        long sum = 0;
        for (int y = fromRow; y < toRow; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum += ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
            }
        }
        return sum / (3.0 * (toRow - fromRow) * image.getWidth());
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
