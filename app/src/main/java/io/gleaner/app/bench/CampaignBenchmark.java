package io.gleaner.app.bench;

import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.RareRates;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.retrain.SeedTrainer;
import io.gleaner.retrain.TrainingConfig;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.scorer.model.Prediction;
import io.gleaner.uncertainty.CampaignSpec;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gleaner bench al campaign}: how well a "find me more like this" campaign seeded with a few
 * exemplar frames of one rare scenario finds that scenario in the fleet's next frames.
 *
 * <p>Offline, without Kafka: the seed model is trained the way the demo trains it
 * ({@link SeedTrainer}, behaviour cloning on unlabeled simulated frames; 4 epochs to the demo's 16
 * unless {@code --seed-epochs} says otherwise) and used as is; the exemplars are
 * {@code --exemplars} frames of {@code --scenario} the simulator renders on another seed, embedded
 * by that model; then the next {@code --frames} fleet frames are embedded in
 * batches and each is put to the campaign through {@link CampaignSpec#evaluate}, the very call the
 * selection stage makes per frame. The campaign's budget is left unlimited here, so the figures
 * are the trigger's own. Precision: the share of frames it fired on that show the scenario (the
 * simulator's out-of-band truth); recall: the share of the scenario's frames it fired on; random
 * harvesting's precision is the scenario's base rate. Printed for a sweep of thresholds (CSV and a
 * PNG of precision and recall against the threshold), the {@code RESULT} line at {@code --threshold}.
 */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Precision and recall of a campaign seeded with a few exemplars of a rare scenario (offline, no Kafka).")
public final class CampaignBenchmark implements Callable<Integer> {
    private static final int BATCH = 256;
    private static final double SWEEP_FROM = 0.0;
    private static final double SWEEP_STEP = 0.01;

    @Option(names = "--frames", defaultValue = "20000", description = "Fleet frames after the campaign starts (default ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--scenario", defaultValue = "low_sun_glare",
            description = "The rare scenario the campaign looks for (default ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--exemplars", defaultValue = "3", description = "Exemplar frames of the scenario (default ${DEFAULT-VALUE}).")
    int exemplars;

    @Option(names = "--threshold", defaultValue = "0.8",
            description = "Campaign cosine threshold the RESULT line reports (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--rare-rate", defaultValue = "0.02",
            description = "Rare scenes per frame in all, split evenly between the five (default ${DEFAULT-VALUE}, the fleet's).")
    double rareRate;

    @Option(names = "--seed-frames", defaultValue = "2000", description = "Frames the seed model is cloned on (default ${DEFAULT-VALUE}, the demo's).")
    int seedFrames;

    @Option(names = "--seed-epochs", defaultValue = "4",
            description = "Seed training epochs (default ${DEFAULT-VALUE}; the demo trains 16).")
    int seedEpochs;

    @Option(names = "--seed", defaultValue = "42", description = "Simulator and training seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-center", description = "Compare raw embeddings, without subtracting the seed frames' mean.")
    boolean noCenter;

    @Option(names = "--quick", description = "CI size: 3,000 frames, 10% rare, a seed model of 600 frames and 2 epochs.")
    boolean quick;

    @Option(names = "--out", description = "Folder for campaign.csv and campaign.png (default gleaner-data/bench-campaign-<time>).")
    Path out;

    /**
     * What one run measured.
     *
     * @param precision at the reported threshold
     * @param recall at the reported threshold
     * @param baseRate the scenario's share of the frames: random harvesting's precision
     * @param scenarioFrames how many frames showed the scenario
     * @param sweep one row per threshold of the sweep
     */
    public record Result(double precision, double recall, double baseRate, int scenarioFrames, List<Row> sweep) {}

    /** The campaign at one threshold: frames it fired on, how many showed the scenario, precision, recall. */
    public record Row(double threshold, int fired, int hits, double precision, double recall) {}

    @Override
    public Integer call() throws IOException {
        if (quick) {
            frames = 3_000;
            rareRate = 0.10;
            seedFrames = 600;
            seedEpochs = 2;
        }
        Scenario target = Scenario.fromLabel(scenario);
        if (!target.isRare()) {
            throw new IllegalArgumentException("--scenario " + scenario + " is not rare; pick one of "
                    + Scenario.rareScenarios().stream().map(Scenario::label).toList());
        }
        Path folder = out != null ? out : Path.of("gleaner-data", "bench-campaign-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Result result = run(target, System.out);
        Files.createDirectories(folder);
        writeCsv(result, folder.resolve("campaign.csv"));
        writePlot(result, folder.resolve("campaign.png"));
        System.out.println("wrote " + folder.resolve("campaign.csv") + " and " + folder.resolve("campaign.png"));
        System.out.printf(Locale.ROOT, "RESULT bench-al-campaign precision=%.4f recall=%.4f%n", result.precision(),
                result.recall());
        return 0;
    }

    /** Trains the seed model, seeds the campaign, runs the frames past it and prints the table. */
    Result run(Scenario target, PrintStream print) {
        if (frames < 1 || exemplars < 1 || seedFrames < 1 || seedEpochs < 1) {
            throw new IllegalArgumentException("--frames, --exemplars, --seed-frames and --seed-epochs must be positive");
        }
        SimulatorConfig fleet = SimulatorConfig.defaults().withRareRates(RareRates.evenly(rareRate)).withSeed(seed);
        long started = System.nanoTime();
        print.println("device:     " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + "; DJL PyTorch engine, CPU");
        print.printf(Locale.ROOT, "conditions: offline (no Kafka: the campaign is evaluated with CampaignSpec.evaluate,"
                        + " as the selection stage does); seed model cloned on %d frames for %d epochs (seed %d), used as is;"
                        + " %d exemplars of %s rendered on seed %d; %d fleet frames, %d vehicles, %dx%d %s, rare rate %.3f"
                        + " (%s %.4f); campaign budget unlimited; %s%n",
                seedFrames, seedEpochs, seed, exemplars, target.label(), seed + 2, frames, fleet.vehicles(),
                fleet.width(), fleet.height(), fleet.encoding(), rareRate, target.label(), fleet.rareRates().rateOf(target),
                noCenter ? "raw embeddings" : "embeddings centered on the seed frames' mean");

        List<FrameEvent> unlabeled = new FleetSimulator(fleet.withSeed(seed + 1)).next(seedFrames).stream()
                .map(SimulatedFrame::event).toList();
        List<Scenario> rare = Scenario.rareScenarios();
        double[][] similarity = new double[rare.size()][frames];
        Scenario[] truth = new Scenario[frames];
        try (DrivingModel model = SeedTrainer.train(ModelSpec.defaults(Scenario.labels()), unlabeled,
                TrainingConfig.defaults().withEpochs(seedEpochs).withSeed(seed))) {
            // The center, as `gleaner campaign create` takes it from the scored frames it scans: here the
            // mean embedding of the frames the seed model was cloned on, seen before the campaign starts.
            float[] center = noCenter ? new float[0] : meanEmbedding(model, unlabeled);
            // One campaign per rare scenario, each seeded the same way, so the table can show them all.
            List<CampaignSpec> campaigns = new ArrayList<>();
            for (Scenario scenario : rare) {
                FleetSimulator exemplarSource = new FleetSimulator(fleet.withSeed(seed + 2));
                List<FrameEvent> exemplarFrames = new ArrayList<>();
                for (int i = 0; i < exemplars; i++) {
                    exemplarFrames.add(exemplarSource.render(scenario).event());
                }
                List<float[]> embeddings = embed(model, exemplarFrames).stream().map(Prediction::embedding).toList();
                campaigns.add(new CampaignSpec("bench-" + scenario.label().replace('_', '-'), "more " + scenario.label(),
                        embeddings, center, threshold, Long.MAX_VALUE, Long.MAX_VALUE, true));
            }
            FleetSimulator stream = new FleetSimulator(fleet);
            for (int from = 0; from < frames; from += BATCH) {
                List<SimulatedFrame> batch = stream.next(Math.min(BATCH, frames - from));
                List<Prediction> predictions = embed(model, batch.stream().map(SimulatedFrame::event).toList());
                for (int i = 0; i < batch.size(); i++) {
                    truth[from + i] = batch.get(i).truth().scenario();
                    for (int c = 0; c < campaigns.size(); c++) {
                        similarity[c][from + i] = campaigns.get(c).maxSimilarity(predictions.get(i).embedding());
                    }
                }
            }
        }
        print.printf(Locale.ROOT, "%nevery rare scenario's campaign at threshold %.3f (same seed model, %d exemplars each):%n",
                threshold, exemplars);
        print.printf(Locale.ROOT, "%-20s %8s %10s %8s %10s %8s%n", "scenario", "frames", "base rate", "fired", "precision",
                "recall");
        for (int c = 0; c < rare.size(); c++) {
            boolean[] hit = new boolean[frames];
            int count = 0;
            for (int i = 0; i < frames; i++) {
                hit[i] = truth[i] == rare.get(c);
                count += hit[i] ? 1 : 0;
            }
            Row r = row(threshold, similarity[c], hit, count);
            print.printf(Locale.ROOT, "%-20s %8d %10.4f %8d %10.4f %8.4f%n", rare.get(c).label(), count,
                    count / (double) frames, r.fired(), r.precision(), r.recall());
        }
        double[] targetSimilarity = similarity[rare.indexOf(target)];
        boolean[] isTarget = new boolean[frames];
        for (int i = 0; i < frames; i++) {
            isTarget[i] = truth[i] == target;
        }
        int scenarioFrames = 0;
        for (boolean t : isTarget) {
            scenarioFrames += t ? 1 : 0;
        }
        List<Row> sweep = new ArrayList<>();
        for (int step = 0; SWEEP_FROM + step * SWEEP_STEP <= 1.0 + 1e-9; step++) {
            sweep.add(row(Math.round((SWEEP_FROM + step * SWEEP_STEP) * 100) / 100.0, targetSimilarity, isTarget,
                    scenarioFrames));
        }
        Row chosen = row(threshold, targetSimilarity, isTarget, scenarioFrames);
        double baseRate = scenarioFrames / (double) frames;

        print.printf(Locale.ROOT, "%n%s frames: %d of %d (base rate %.4f = random harvesting's precision)%n",
                target.label(), scenarioFrames, frames, baseRate);
        print.printf(Locale.ROOT, "%-10s %8s %8s %10s %8s %14s%n", "threshold", "fired", "hits", "precision", "recall",
                "lift vs random");
        for (Row r : sweep) {
            if (Math.round(r.threshold() * 100) % 5 == 0) {
                printRow(print, r, baseRate);
            }
        }
        print.printf(Locale.ROOT, "at --threshold %.3f:%n", threshold);
        printRow(print, chosen, baseRate);
        print.printf(Locale.ROOT, "took %.0f s%n", (System.nanoTime() - started) / 1e9);
        return new Result(chosen.precision(), chosen.recall(), baseRate, scenarioFrames, sweep);
    }

    private static void printRow(PrintStream print, Row r, double baseRate) {
        print.printf(Locale.ROOT, "%-10.3f %8d %8d %10.4f %8.4f %14s%n", r.threshold(), r.fired(), r.hits(), r.precision(),
                r.recall(), baseRate > 0 && r.fired() > 0 ? String.format(Locale.ROOT, "%.1fx", r.precision() / baseRate) : "-");
    }

    static Row row(double threshold, double[] similarity, boolean[] isTarget, int scenarioFrames) {
        int fired = 0;
        int hits = 0;
        for (int i = 0; i < similarity.length; i++) {
            if (similarity[i] >= threshold) {
                fired++;
                hits += isTarget[i] ? 1 : 0;
            }
        }
        return new Row(threshold, fired, hits, fired == 0 ? 0.0 : hits / (double) fired,
                scenarioFrames == 0 ? 0.0 : hits / (double) scenarioFrames);
    }

    private static float[] meanEmbedding(DrivingModel model, List<FrameEvent> frames) {
        double[] sum = null;
        for (int from = 0; from < frames.size(); from += BATCH) {
            for (Prediction prediction : embed(model, frames.subList(from, Math.min(frames.size(), from + BATCH)))) {
                float[] e = prediction.embedding();
                if (sum == null) {
                    sum = new double[e.length];
                }
                for (int i = 0; i < e.length; i++) {
                    sum[i] += e[i];
                }
            }
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (float) (sum[i] / frames.size());
        }
        return mean;
    }

    private static List<Prediction> embed(DrivingModel model, List<FrameEvent> frames) {
        List<float[]> inputs = new ArrayList<>(frames.size());
        for (FrameEvent frame : frames) {
            inputs.add(model.preprocess(frame.getImage()));
        }
        return model.predict(inputs);
    }

    private static void writeCsv(Result result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("threshold,fired,hits,precision,recall,base_rate\n");
        for (Row r : result.sweep()) {
            csv.append(String.format(Locale.ROOT, "%.2f,%d,%d,%.6f,%.6f,%.6f%n", r.threshold(), r.fired(), r.hits(),
                    r.precision(), r.recall(), result.baseRate()));
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    /** Precision (blue), recall (orange) and the base rate (grey) against the threshold. */
    static void writePlot(Result result, Path file) {
        int width = 720;
        int height = 440;
        int left = 60;
        int right = 20;
        int top = 30;
        int bottom = 50;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int plotW = width - left - right;
            int plotH = height - top - bottom;
            g.setColor(Color.LIGHT_GRAY);
            for (int i = 0; i <= 10; i++) {
                int y = top + plotH - i * plotH / 10;
                g.drawLine(left, y, left + plotW, y);
                g.drawString(String.format(Locale.ROOT, "%.1f", i / 10.0), 25, y + 4);
            }
            for (int i = 0; i <= 10; i++) {
                int x = left + i * plotW / 10;
                g.drawString(String.format(Locale.ROOT, "%.2f", SWEEP_FROM + i * (1.0 - SWEEP_FROM) / 10), x - 12,
                        top + plotH + 18);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, plotW, plotH);
            g.drawString("campaign threshold (cosine similarity)", left + plotW / 2 - 110, height - 10);
            g.drawString("precision (blue), recall (orange), base rate (grey)", left, 18);
            g.setStroke(new BasicStroke(2f));
            int y = top + plotH - (int) Math.round(result.baseRate() * plotH);
            g.setColor(Color.GRAY);
            g.drawLine(left, y, left + plotW, y);
            drawCurve(g, result.sweep(), true, new Color(31, 119, 180), left, top, plotW, plotH);
            drawCurve(g, result.sweep(), false, new Color(255, 127, 14), left, top, plotW, plotH);
        } finally {
            g.dispose();
        }
        try {
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the plot " + file + ": " + e.getMessage(), e);
        }
    }

    private static void drawCurve(Graphics2D g, List<Row> rows, boolean precision, Color color, int left, int top,
                                  int plotW, int plotH) {
        g.setColor(color);
        int previousX = -1;
        int previousY = -1;
        for (Row r : rows) {
            if (precision && r.fired() == 0) {
                continue;
            }
            double value = precision ? r.precision() : r.recall();
            int x = left + (int) Math.round((r.threshold() - SWEEP_FROM) / (1.0 - SWEEP_FROM) * plotW);
            int y = top + plotH - (int) Math.round(value * plotH);
            if (previousX >= 0) {
                g.drawLine(previousX, previousY, x, y);
            }
            previousX = x;
            previousY = y;
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " (no /proc/cpuinfo)";
        }
    }
}
