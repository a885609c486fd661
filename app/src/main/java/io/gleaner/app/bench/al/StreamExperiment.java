package io.gleaner.app.bench.al;

import io.gleaner.ingest.sim.FleetSimulator;
import io.gleaner.ingest.sim.Scenario;
import io.gleaner.ingest.sim.SimulatedFrame;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.ingest.sim.Truth;
import io.gleaner.retrain.SeedTrainer;
import io.gleaner.retrain.TrainingConfig;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import io.gleaner.scorer.model.Prediction;
import io.gleaner.uncertainty.FrameOutputs;
import io.gleaner.uncertainty.NamedTriggers;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.TriggerConfig;
import io.gleaner.uncertainty.TriggerFunction;
import io.gleaner.uncertainty.TriggerRule;
import io.gleaner.uncertainty.acquisition.ActionHead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The stream-based benchmark, offline: a seed model trained as the demo trains it
 * ({@link SeedTrainer}, behaviour cloning on unlabeled simulator frames), a fleet-simulator stream
 * scored with it into the {@link FrameOutputs} the selection stage would build (spreads and scorer
 * novelty 0, as the scorer sends them today), and the engine's {@link NamedTriggers} run over that
 * stream in order, as one stream task would. No Kafka: the triggers' decisions depend only on the
 * sequence of frames, which the stage would see in the same order per task; budgets, dedup and the
 * combined window are left out so each trigger's own selection is measured.
 *
 * <p>At each budget (a harvest rate), every single trigger fires at its top-rate rule with that
 * rate; the combined selector is the engine's default trigger set ({@link SelectionConfig#DEFAULT_TRIGGERS})
 * with the budget split evenly between its triggers; random harvests each frame with the budget's
 * probability. The truth comes from the simulator's out-of-band record: the scenario and whether
 * the human's action was a mistake.
 */
final class StreamExperiment {
    /** The name of the combined selector in tables. */
    static final String COMBINED = "combined";
    /** The name of the random selector in tables. */
    static final String RANDOM = "random";
    /** Suffix of a selector that takes the top-k scores of the whole stream in hindsight. */
    static final String OFFLINE_SUFFIX = " top-k";
    private static final int SCORE_BATCH = 256;
    private static final String MODEL_VERSION = "seed";

    /** The single triggers measured, all functions that carry a signal for a seed model. */
    static final List<TriggerFunction> SINGLE_FUNCTIONS = List.of(TriggerFunction.ACTION_SURPRISE,
            TriggerFunction.ACTION_DISAGREEMENT, TriggerFunction.EMBEDDING_NOVELTY, TriggerFunction.ENTROPY,
            TriggerFunction.MARGIN, TriggerFunction.LEAST_CONFIDENCE);

    private StreamExperiment() {}

    /** What a selector harvested, scored over each kind of positive. */
    record SelectorScore(String selector, HarvestScore rare, HarvestScore humanError, HarvestScore either) {}

    /**
     * Every selector at every budget.
     *
     * @param budgets harvest rate → selectors in table order
     * @param rareFrames frames of a rare scenario in the stream
     * @param humanErrors frames whose human action was a mistake
     * @param eitherFrames frames that are one or both
     */
    record Result(StreamConfig config, Map<Double, List<SelectorScore>> budgets, long rareFrames, long humanErrors,
                  long eitherFrames, double seedSeconds, double scoreSeconds, double triggerSeconds) {
        /** The selector of this name at the budget equal to the rare rate. */
        SelectorScore atRareRate(String selector) {
            return budgets.get(config.rareRate()).stream().filter(s -> s.selector().equals(selector)).findFirst()
                    .orElseThrow();
        }
    }

    /** One scored frame and its truth. */
    private record Scored(FrameOutputs outputs, Truth truth) {}

    static Result run(StreamConfig config, Consumer<String> progress) {
        TorchThreads.useOne();
        SimulatorConfig simulator = SimulatorConfig.defaults().withRareRate(config.rareRate()).withSeed(config.seed());
        long started = System.nanoTime();
        List<FrameEvent> unlabeled = new FleetSimulator(simulator.withSeed(config.seed() + 1)).next(config.seedFrames())
                .stream().map(SimulatedFrame::event).toList();
        List<Scored> stream = new ArrayList<>(config.streamFrames());
        double seedSeconds;
        double scoreSeconds;
        try (DrivingModel model = SeedTrainer.train(ModelSpec.defaults(Scenario.labels()), unlabeled,
                TrainingConfig.defaults().withEpochs(config.seedEpochs()).withSeed(config.seed()))) {
            seedSeconds = (System.nanoTime() - started) / 1e9;
            progress.accept(String.format(java.util.Locale.ROOT, "seed model: %d frames, %d epochs, %.0f s",
                    config.seedFrames(), config.seedEpochs(), seedSeconds));
            long scoring = System.nanoTime();
            FleetSimulator fleet = new FleetSimulator(simulator);
            for (int done = 0; done < config.streamFrames(); done += SCORE_BATCH) {
                List<SimulatedFrame> batch = fleet.next(Math.min(SCORE_BATCH, config.streamFrames() - done));
                List<float[]> inputs = batch.stream().map(f -> model.preprocess(f.event().getImage())).toList();
                List<Prediction> predictions = model.predict(inputs);
                for (int i = 0; i < batch.size(); i++) {
                    stream.add(new Scored(outputs(batch.get(i).event(), predictions.get(i)), batch.get(i).truth()));
                }
            }
            scoreSeconds = (System.nanoTime() - scoring) / 1e9;
            progress.accept(String.format(java.util.Locale.ROOT, "scored %d stream frames in %.0f s (%.0f frames/s)",
                    stream.size(), scoreSeconds, stream.size() / scoreSeconds));
        }
        long triggering = System.nanoTime();
        Map<TriggerFunction, double[]> scores = new LinkedHashMap<>();
        for (TriggerFunction function : SINGLE_FUNCTIONS) {
            double[] values = scores(stream, function);
            scores.put(function, values);
            long scored = java.util.Arrays.stream(values).filter(v -> !Double.isNaN(v)).count();
            progress.accept(String.format(java.util.Locale.ROOT, "%-20s scored %d of %d frames", function.configName(),
                    scored, values.length));
        }
        Map<Double, List<SelectorScore>> budgets = new LinkedHashMap<>();
        for (double multiple : config.budgetMultiples()) {
            double rate = multiple * config.rareRate();
            List<SelectorScore> selectors = new ArrayList<>();
            for (TriggerFunction function : SINGLE_FUNCTIONS) {
                selectors.add(score(function.configName(), stream, fired(stream, List.of(
                        new TriggerConfig(function.configName() + "-top", function, new TriggerRule.TopRate(rate))))));
                selectors.add(score(function.configName() + OFFLINE_SUFFIX, stream,
                        topK(scores.get(function), (int) Math.round(rate * stream.size()))));
            }
            selectors.add(score(COMBINED, stream, fired(stream, combined(rate))));
            int share = (int) Math.round(rate * stream.size() / SelectionConfig.DEFAULT_TRIGGERS.size());
            boolean[] union = new boolean[stream.size()];
            for (TriggerConfig trigger : SelectionConfig.DEFAULT_TRIGGERS) {
                boolean[] picked = topK(scores(stream, trigger.function()), share);
                for (int i = 0; i < union.length; i++) {
                    union[i] |= picked[i];
                }
            }
            selectors.add(score(COMBINED + OFFLINE_SUFFIX, stream, union));
            selectors.add(score(RANDOM, stream, randomHarvest(stream.size(), rate, config.seed())));
            budgets.put(rate, selectors);
        }
        double triggerSeconds = (System.nanoTime() - triggering) / 1e9;
        return new Result(config, budgets, stream.stream().filter(s -> s.truth().scenario().isRare()).count(),
                stream.stream().filter(s -> s.truth().humanErred()).count(),
                stream.stream().filter(s -> s.truth().scenario().isRare() || s.truth().humanErred()).count(),
                seedSeconds, scoreSeconds, triggerSeconds);
    }

    /** The engine's default triggers, each at an equal share of the harvest rate. */
    static List<TriggerConfig> combined(double rate) {
        List<TriggerConfig> defaults = SelectionConfig.DEFAULT_TRIGGERS;
        return defaults.stream()
                .map(t -> new TriggerConfig(t.name(), t.function(), new TriggerRule.TopRate(rate / defaults.size()),
                        t.weight()))
                .toList();
    }

    /** What the selection stage builds from the scorer's output of this frame. */
    private static FrameOutputs outputs(FrameEvent event, Prediction prediction) {
        return new FrameOutputs(prediction.sceneProbabilities(), prediction.steering(), prediction.acceleration(),
                event.getHumanAction().getSteering(), event.getHumanAction().getAcceleration(), 0f, 0f, 0f,
                MODEL_VERSION, prediction.embedding());
    }

    private static boolean[] fired(List<Scored> stream, List<TriggerConfig> triggers) {
        NamedTriggers named = new NamedTriggers(triggers, ActionHead.DEFAULT_SPREAD_FLOOR);
        boolean[] fired = new boolean[stream.size()];
        for (int i = 0; i < fired.length; i++) {
            fired[i] = named.evaluate(stream.get(i).outputs()).anyFired();
        }
        return fired;
    }

    /**
     * The function's score of every frame, NaN where it has none, read through the engine's own
     * {@link NamedTriggers} (a threshold trigger at the lowest finite value fires on every scored
     * frame and reports its score), so stateful functions such as embedding novelty see the stream
     * in order exactly as the stage would.
     */
    private static double[] scores(List<Scored> stream, TriggerFunction function) {
        NamedTriggers named = new NamedTriggers(List.of(new TriggerConfig("score",
                function, new TriggerRule.Threshold(-Double.MAX_VALUE))), ActionHead.DEFAULT_SPREAD_FLOOR);
        double[] scores = new double[stream.size()];
        for (int i = 0; i < scores.length; i++) {
            NamedTriggers.Evaluation evaluation = named.evaluate(stream.get(i).outputs());
            scores[i] = evaluation.anyFired() ? evaluation.fired().get(0).score() : Double.NaN;
        }
        return scores;
    }

    /**
     * The {@code k} frames with the highest scores in the whole stream, ties to the earlier frame:
     * what a threshold chosen in hindsight would harvest, against which the online P² rule is judged.
     */
    static boolean[] topK(double[] scores, int k) {
        int[] order = java.util.stream.IntStream.range(0, scores.length)
                .filter(i -> !Double.isNaN(scores[i])).boxed()
                .sorted(java.util.Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
        boolean[] harvested = new boolean[scores.length];
        for (int i : order) {
            harvested[i] = true;
        }
        return harvested;
    }

    private static boolean[] randomHarvest(int frames, double rate, long seed) {
        Random random = new Random(seed);
        boolean[] harvested = new boolean[frames];
        for (int i = 0; i < frames; i++) {
            harvested[i] = random.nextDouble() < rate;
        }
        return harvested;
    }

    private static SelectorScore score(String selector, List<Scored> stream, boolean[] harvested) {
        long[] counts = new long[7];
        for (int i = 0; i < harvested.length; i++) {
            Truth truth = stream.get(i).truth();
            boolean rare = truth.scenario().isRare();
            boolean erred = truth.humanErred();
            counts[0] += harvested[i] ? 1 : 0;
            counts[1] += rare ? 1 : 0;
            counts[2] += harvested[i] && rare ? 1 : 0;
            counts[3] += erred ? 1 : 0;
            counts[4] += harvested[i] && erred ? 1 : 0;
            counts[5] += rare || erred ? 1 : 0;
            counts[6] += harvested[i] && (rare || erred) ? 1 : 0;
        }
        return new SelectorScore(selector, new HarvestScore(counts[0], counts[2], counts[1]),
                new HarvestScore(counts[0], counts[4], counts[3]), new HarvestScore(counts[0], counts[6], counts[5]));
    }
}
