package io.gleaner.app.bench.loop;

import io.gleaner.app.demo.LoopConfig;
import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.retrain.FineTuneScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The shape of one closed-loop benchmark: both arms run the same loop with these settings and the
 * same seeds, so the only difference between them is which frames get labeled.
 *
 * @param rounds stream → harvest → label → retrain → swap cycles per arm, at least 1
 * @param framesPerRound fleet frames per round, at least 100
 * @param seedFrames unlabeled frames the seed model is behaviour-cloned on, at least 100
 * @param seedEpochs seed training epochs, at least 1
 * @param evalFramesPerScenario frames of each scenario the action errors are measured on, at least 10
 * @param minNewLabels labels that start a retrain, at least 1
 * @param goldenFrames fleet frames labeled once that the gate checks candidates on (0: none)
 * @param rareRate the fleet's share of rare-scenario frames, in (0, 1)
 * @param seed the simulator's seed; the seed, evaluation and golden sets use offsets of it
 * @param fineTuneScope which weights each retrain's fine-tune trains, in both arms
 */
public record LoopBenchConfig(int rounds, int framesPerRound, int seedFrames, int seedEpochs, int evalFramesPerScenario,
                              int minNewLabels, int goldenFrames, double rareRate, long seed,
                              FineTuneScope fineTuneScope) {

    public LoopBenchConfig {
        Objects.requireNonNull(fineTuneScope, "fineTuneScope");
        atLeast("rounds", rounds, 1);
        atLeast("frames-per-round", framesPerRound, 100);
        atLeast("seed-frames", seedFrames, 100);
        atLeast("seed-epochs", seedEpochs, 1);
        atLeast("eval-frames-per-scenario", evalFramesPerScenario, 10);
        atLeast("min-new-labels", minNewLabels, 1);
        atLeast("golden-frames", goldenFrames, 0);
        if (!(rareRate > 0 && rareRate < 1)) {
            throw new IllegalArgumentException("bench-loop.rare-rate is " + rareRate + "; it must be in (0, 1), e.g. 0.1");
        }
    }

    /** The demo's loop: 5 rounds of 1,500 frames at 10% rare, seed model on 2,000 frames × 16 epochs. */
    public static LoopBenchConfig defaults() {
        LoopConfig demo = LoopConfig.defaults(Path.of("."));
        return new LoopBenchConfig(demo.rounds(), demo.framesPerRound(), demo.seedFrames(), demo.seedEpochs(),
                demo.evalFramesPerScenario(), demo.minNewLabels(), LoopConfig.DEFAULT_GOLDEN_FRAMES,
                LoopConfig.DEMO_RARE_RATE, demo.simulator().seed(), demo.fineTuneScope());
    }

    /** The test suite's size: 3 rounds of 800 frames, a 1,000-frame seed, 60 evaluation frames per scenario. */
    public static LoopBenchConfig quick() {
        LoopBenchConfig full = defaults();
        return new LoopBenchConfig(3, 800, 1000, full.seedEpochs(), 60, full.minNewLabels(), 300, full.rareRate(),
                full.seed(), full.fineTuneScope());
    }

    /** The loop of one arm, its data under {@code workDir}; no garbage records (the demo shows the DLQ). */
    public LoopConfig loopConfig(Path workDir) {
        return new LoopConfig(rounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario, minNewLabels,
                SimulatorConfig.defaults().withRareRate(rareRate).withSeed(seed), 0, workDir, Duration.ofMinutes(3),
                goldenFrames, fineTuneScope);
    }

    public LoopBenchConfig withRounds(int newRounds) {
        return new LoopBenchConfig(newRounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario,
                minNewLabels, goldenFrames, rareRate, seed, fineTuneScope);
    }

    public LoopBenchConfig withFramesPerRound(int newFramesPerRound) {
        return new LoopBenchConfig(rounds, newFramesPerRound, seedFrames, seedEpochs, evalFramesPerScenario,
                minNewLabels, goldenFrames, rareRate, seed, fineTuneScope);
    }

    public LoopBenchConfig withSeedFrames(int newSeedFrames) {
        return new LoopBenchConfig(rounds, framesPerRound, newSeedFrames, seedEpochs, evalFramesPerScenario,
                minNewLabels, goldenFrames, rareRate, seed, fineTuneScope);
    }

    public LoopBenchConfig withSeedEpochs(int newSeedEpochs) {
        return new LoopBenchConfig(rounds, framesPerRound, seedFrames, newSeedEpochs, evalFramesPerScenario,
                minNewLabels, goldenFrames, rareRate, seed, fineTuneScope);
    }

    public LoopBenchConfig withFineTuneScope(FineTuneScope newFineTuneScope) {
        return new LoopBenchConfig(rounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario,
                minNewLabels, goldenFrames, rareRate, seed, newFineTuneScope);
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("bench-loop." + name + " is " + value + "; it must be at least " + min);
        }
    }
}
