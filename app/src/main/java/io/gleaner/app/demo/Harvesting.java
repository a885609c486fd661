package io.gleaner.app.demo;

import io.gleaner.uncertainty.DuplicateSuppression;
import io.gleaner.uncertainty.SelectionConfig;
import java.util.List;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * Which frames of a round the loop has labeled: those the engine's selection stage harvests, or
 * (the closed-loop benchmark's baseline) a uniform random sample of the round's frames of a size
 * fixed in advance, so both arms spend the same label budget.
 */
public sealed interface Harvesting {

    /** The selection stage's configuration this way of harvesting runs with. */
    SelectionConfig selection();

    /** The engine as configured: the selection stage harvests, the labelers label every harvested frame. */
    record Engine(SelectionConfig selection) implements Harvesting {
        public Engine {
            Objects.requireNonNull(selection, "selection");
        }

        /** The selection stage's defaults, as {@code gleaner demo} and {@code gleaner select} run. */
        public static Engine defaults() {
            return new Engine(SelectionConfig.defaults());
        }
    }

    /**
     * Random harvesting: the selection stage passes every frame on (top share 1, no named trigger,
     * no near-duplicate suppression), and the labelers label {@code labelsInRound} of the round's
     * tasks drawn uniformly at random (seeded) and set the others aside unlabeled.
     *
     * @param labelsInRound the label budget of a 1-based round, e.g. what the engine's arm labeled then
     * @param seed seeds the draw; the same seed draws the same frames
     */
    record UniformRandom(IntUnaryOperator labelsInRound, long seed) implements Harvesting {
        public UniformRandom {
            Objects.requireNonNull(labelsInRound, "labelsInRound");
        }

        /** Keeps every frame: the random draw happens at labeling, over all of the round's frames. */
        @Override
        public SelectionConfig selection() {
            SelectionConfig keepAll = new SelectionConfig(1.0, 500, 0.3, 0.7, 1).withTriggers(List.of());
            DuplicateSuppression dedup = keepAll.duplicates();
            return keepAll.withDuplicates(new DuplicateSuppression(false, dedup.minSimilarity(), dedup.horizon(),
                    dedup.perVehicle()));
        }
    }
}
