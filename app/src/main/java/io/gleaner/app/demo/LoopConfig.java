package io.gleaner.app.demo;

import io.gleaner.ingest.sim.SimulatorConfig;
import io.gleaner.retrain.FineTuneScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How one run of the whole active-learning loop is shaped.
 *
 * @param rounds stream → harvest → label → retrain cycles
 * @param framesPerRound fleet frames published per round
 * @param seedFrames unlabeled frames the first model is behaviour-cloned on
 * @param seedEpochs epochs of seed training
 * @param evalFramesPerScenario frames of each scenario in the fixed evaluation set
 * @param minNewLabels labels that must accumulate before a fine-tune starts
 * @param simulator the fleet; the seed set and evaluation set use other seeds of it
 * @param poisonRecords garbage records published in the first round, to show the DLQ at work
 * @param workDir where models, truth and Streams state go
 * @param drainTimeout how long a round may wait for the stages to catch up
 * @param goldenFrames fleet frames (another seed of the simulator) labeled once by the truth, as a
 *     labeling team would label a random sample, that the retrain gate measures every candidate on
 *     and that nothing trains on; 0 for no golden set
 * @param fineTuneScope which weights each retrain's fine-tune trains
 */
public record LoopConfig(int rounds, int framesPerRound, int seedFrames, int seedEpochs, int evalFramesPerScenario,
                         int minNewLabels, SimulatorConfig simulator, int poisonRecords, Path workDir,
                         Duration drainTimeout, int goldenFrames, FineTuneScope fineTuneScope) {

    /** The golden set's size by default: enough that the gate's 5% tolerance is above its noise. */
    public static final int DEFAULT_GOLDEN_FRAMES = 400;

    public LoopConfig {
        Objects.requireNonNull(simulator, "simulator");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(fineTuneScope, "fineTuneScope");
        positive("rounds", rounds);
        positive("frames-per-round", framesPerRound);
        positive("seed-frames", seedFrames);
        positive("seed-epochs", seedEpochs);
        positive("eval-frames-per-scenario", evalFramesPerScenario);
        positive("min-new-labels", minNewLabels);
        if (poisonRecords < 0) {
            throw new IllegalArgumentException("demo.poison-records is " + poisonRecords + "; it must be >= 0");
        }
        if (goldenFrames < 0) {
            throw new IllegalArgumentException("demo.golden-frames is " + goldenFrames
                    + "; it must be >= 0 (0: no golden set)");
        }
    }

    /**
     * As the canonical constructor, with no golden set: the gate judges on held-out labels only,
     * so a short loop promotes what improves on harvested frames (the end-to-end test relies on it).
     */
    public LoopConfig(int rounds, int framesPerRound, int seedFrames, int seedEpochs, int evalFramesPerScenario,
                      int minNewLabels, SimulatorConfig simulator, int poisonRecords, Path workDir,
                      Duration drainTimeout) {
        this(rounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario, minNewLabels, simulator,
                poisonRecords, workDir, drainTimeout, 0, FineTuneScope.ALL);
    }

    /**
     * The demo's fleet: the simulator's defaults with 10% rare frames (2% of each of the five rare
     * scenarios) instead of 2%, so five rounds of 1,500 frames hold about 30 of each kind per round,
     * enough to harvest and learn from in a few minutes.
     */
    public static final double DEMO_RARE_RATE = 0.10;

    /**
     * Epochs of the demo's seed training: where the seed model's own action error on the 64-vehicle
     * evaluation set stops falling. A seed trained less keeps improving from the replayed frames of
     * every fine-tune, whatever was labeled, and that shared gain hides what the labels taught.
     * Measured with {@code bench loop --seed-epochs} (rare / common error of the seed): 4 epochs
     * 0.2819 / 0.0911, 8 0.2616 / 0.0817, 12 0.2561 / 0.0743, 16 0.2516 / 0.0739, 24 0.2642 / 0.0864,
     * 32 0.2542 / 0.0794 (the 2,000 frames are fitted ever closer from there on); the random arm's
     * rare-error reduction after 5 rounds fell from 0.064 (4 epochs) to 0.029 (16), the engine's
     * from 0.103 to 0.074.
     */
    public static final int DEMO_SEED_EPOCHS = 16;

    /** The demo's shape: a few minutes on 2 CPU cores. */
    public static LoopConfig defaults(Path workDir) {
        return new LoopConfig(5, 1500, 2000, DEMO_SEED_EPOCHS, 150, 40,
                SimulatorConfig.defaults().withRareRate(DEMO_RARE_RATE), 3, workDir, Duration.ofMinutes(3),
                DEFAULT_GOLDEN_FRAMES, FineTuneScope.ALL);
    }

    public LoopConfig withRounds(int newRounds) {
        return new LoopConfig(newRounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario, minNewLabels,
                simulator, poisonRecords, workDir, drainTimeout, goldenFrames, fineTuneScope);
    }

    public LoopConfig withFramesPerRound(int newFramesPerRound) {
        return new LoopConfig(rounds, newFramesPerRound, seedFrames, seedEpochs, evalFramesPerScenario, minNewLabels,
                simulator, poisonRecords, workDir, drainTimeout, goldenFrames, fineTuneScope);
    }

    public LoopConfig withWorkDir(Path newWorkDir) {
        return new LoopConfig(rounds, framesPerRound, seedFrames, seedEpochs, evalFramesPerScenario, minNewLabels,
                simulator, poisonRecords, newWorkDir, drainTimeout, goldenFrames, fineTuneScope);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("demo." + name + " is " + value + "; it must be > 0");
        }
    }
}
