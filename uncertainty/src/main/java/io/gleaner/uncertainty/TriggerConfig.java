package io.gleaner.uncertainty;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One named trigger of the selection stage: an acquisition function and the rule that makes it
 * fire. A frame on which any named trigger fires is harvested, whatever the combined window says,
 * and its edge case names the trigger with its score and threshold.
 *
 * @param name how edge cases, metrics and the quantile store name it: lower-case letters, digits
 *     and dashes, at most 64 characters, not one of the combined policy's own trigger names
 * @param function what it scores
 * @param rule when it fires
 * @param weight how its score counts toward the edge case's priority ({@code weight·score}); a
 *     finite number above 0, used to put scores of different scales on one footing
 */
public record TriggerConfig(String name, TriggerFunction function, TriggerRule rule, double weight) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Set<String> RESERVED = Set.of(
            SelectionPolicy.COMBINED, SelectionPolicy.SCENE_ENTROPY, SelectionPolicy.ACTION_DISAGREEMENT);

    /** Validates every field; the message names the trigger and what to change. */
    public TriggerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(rule, "rule");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("trigger name '" + name + "' is not allowed; use 1 to 64 lower-case"
                    + " letters, digits and dashes, starting with a letter or digit, e.g. novelty-top");
        }
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("trigger name '" + name + "' is taken by the combined selection"
                    + " policy's own triggers " + RESERVED + "; pick another name");
        }
        if (!(weight > 0.0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("trigger " + name + ": weight is " + weight
                    + "; it must be a finite number above 0");
        }
    }

    /** A trigger whose score counts toward priority as it is (weight 1). */
    public TriggerConfig(String name, TriggerFunction function, TriggerRule rule) {
        this(name, function, rule, 1.0);
    }

    /**
     * Reads a trigger from its one-line form, as given on the command line:
     * {@code NAME=FUNCTION,threshold=VALUE} or
     * {@code NAME=FUNCTION,top=RATE[,min-observations=N]}, each optionally with {@code ,weight=W};
     * e.g. {@code surprise=action-surprise,top=0.02,weight=0.05}.
     *
     * @throws IllegalArgumentException saying which part is wrong and what the form is
     */
    public static TriggerConfig parse(String spec) {
        String form = "; the form is NAME=FUNCTION,threshold=VALUE or NAME=FUNCTION,top=RATE[,min-observations=N],"
                + " optionally with ,weight=W";
        int equals = spec == null ? -1 : spec.indexOf('=');
        if (equals <= 0) {
            throw new IllegalArgumentException("trigger '" + spec + "' has no NAME=" + form);
        }
        String name = spec.substring(0, equals).trim();
        String[] parts = spec.substring(equals + 1).split(",");
        TriggerFunction function = TriggerFunction.byName(parts[0].trim());
        Double threshold = null;
        Double top = null;
        Integer minObservations = null;
        double weight = 1.0;
        for (int i = 1; i < parts.length; i++) {
            String[] keyValue = parts[i].split("=", 2);
            if (keyValue.length != 2) {
                throw new IllegalArgumentException("trigger " + name + ": '" + parts[i] + "' is not KEY=VALUE" + form);
            }
            String key = keyValue[0].trim();
            String value = keyValue[1].trim();
            try {
                switch (key) {
                    case "threshold" -> threshold = Double.parseDouble(value);
                    case "top" -> top = Double.parseDouble(value);
                    case "min-observations" -> minObservations = Integer.parseInt(value);
                    case "weight" -> weight = Double.parseDouble(value);
                    default -> throw new IllegalArgumentException("trigger " + name + ": unknown setting '" + key + "'" + form);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("trigger " + name + ": " + key + " '" + value + "' is not a number" + form, e);
            }
        }
        if ((threshold == null) == (top == null)) {
            throw new IllegalArgumentException("trigger " + name + ": give exactly one of threshold= and top=" + form);
        }
        TriggerRule rule = threshold != null
                ? new TriggerRule.Threshold(threshold)
                : minObservations == null ? new TriggerRule.TopRate(top) : new TriggerRule.TopRate(top, minObservations);
        return new TriggerConfig(name, function, rule, weight);
    }
}
