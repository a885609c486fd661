package io.gleaner.it;

/**
 * The size of a fault test: the short form CI runs in every build, or the long form the issue
 * describes (100k frames, 30-minute soak, ...), run with {@code ./mvnw -pl it-tests verify -Pchaos}.
 * Both forms assert the same properties; only the amounts differ. The form comes from the system
 * property {@code gleaner.faults} ({@code short}, the default, or {@code long}), which the
 * {@code chaos} profile sets.
 */
final class FaultScale {
    private static final String PROPERTY = "gleaner.faults";

    private FaultScale() {}

    /** Whether this run is the long form. */
    static boolean isLong() {
        String form = System.getProperty(PROPERTY, "short");
        return switch (form) {
            case "short" -> false;
            case "long" -> true;
            default -> throw new IllegalArgumentException(
                    PROPERTY + " must be 'short' or 'long', not '" + form + "'");
        };
    }

    /** {@code shortForm} in the short form, {@code longForm} in the long one. */
    static int pick(int shortForm, int longForm) {
        return isLong() ? longForm : shortForm;
    }

    /** {@code shortForm} in the short form, {@code longForm} in the long one. */
    static <T> T pick(T shortForm, T longForm) {
        return isLong() ? longForm : shortForm;
    }

    /** "short" or "long", for the figures a fault test prints. */
    static String form() {
        return isLong() ? "long" : "short";
    }
}
