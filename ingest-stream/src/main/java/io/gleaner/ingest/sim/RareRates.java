package io.gleaner.ingest.sim;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The probability per frame of each rare scenario; the rest of the frames show a clear road.
 *
 * @param byScenario a rate in 0..1 for rare scenarios only; missing ones are 0, and the rates sum to
 *     at most 1 ({@code sim.rare-rates})
 */
public record RareRates(Map<Scenario, Double> byScenario) {

    public RareRates {
        Objects.requireNonNull(byScenario, "byScenario");
        EnumMap<Scenario, Double> copy = new EnumMap<>(Scenario.class);
        for (Scenario scenario : Scenario.rareScenarios()) {
            copy.put(scenario, 0.0);
        }
        double total = 0;
        for (Map.Entry<Scenario, Double> entry : byScenario.entrySet()) {
            Scenario scenario = Objects.requireNonNull(entry.getKey(), "scenario");
            double rate = Objects.requireNonNull(entry.getValue(), "rate of " + scenario.label());
            if (!scenario.isRare()) {
                throw new IllegalArgumentException("sim.rare-rates names " + scenario.label()
                        + ", which is not a rare scenario; set rates for " + Scenario.rareScenarios() + " only");
            }
            if (!(rate >= 0.0 && rate <= 1.0)) {
                throw new IllegalArgumentException("sim.rare-rates: " + scenario.label() + " is " + rate
                        + "; it must be a probability within 0..1");
            }
            copy.put(scenario, rate);
            total += rate;
        }
        if (total > 1.0 + 1e-9) {
            throw new IllegalArgumentException("sim.rare-rates sum to " + total + "; they must sum to at most 1");
        }
        byScenario = Collections.unmodifiableMap(copy);
    }

    /** {@code total} split evenly between the rare scenarios. */
    public static RareRates evenly(double total) {
        if (!(total >= 0.0 && total <= 1.0)) {
            throw new IllegalArgumentException("sim.rare-rate is " + total + "; it must be a probability within 0..1");
        }
        EnumMap<Scenario, Double> rates = new EnumMap<>(Scenario.class);
        for (Scenario scenario : Scenario.rareScenarios()) {
            rates.put(scenario, total / Scenario.rareScenarios().size());
        }
        return new RareRates(rates);
    }

    /** About 2% of frames are rare, 0.4% of each kind. */
    public static RareRates defaults() {
        return evenly(0.02);
    }

    /** The rate of {@code scenario}; 0 for the clear road. */
    public double rateOf(Scenario scenario) {
        return byScenario.getOrDefault(scenario, 0.0);
    }

    /** The probability that a frame shows any rare scenario. */
    public double total() {
        return byScenario.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** These rates with {@code scenario}'s replaced. */
    public RareRates with(Scenario scenario, double rate) {
        EnumMap<Scenario, Double> rates = new EnumMap<>(byScenario);
        rates.put(scenario, rate);
        return new RareRates(rates);
    }

    /** The scenario a uniform draw in [0, 1) falls on: rare ones first, in declaration order. */
    Scenario pick(double draw) {
        double upTo = 0;
        for (Map.Entry<Scenario, Double> entry : byScenario.entrySet()) {
            upTo += entry.getValue();
            if (draw < upTo) {
                return entry.getKey();
            }
        }
        return Scenario.CLEAR_ROAD;
    }
}
