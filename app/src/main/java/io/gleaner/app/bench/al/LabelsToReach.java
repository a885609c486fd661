package io.gleaner.app.bench.al;

/**
 * How many labels a learning curve needs to reach a target accuracy: the first point at or above
 * the target, linearly interpolated from the point before it. The figure Gal et al. (2017, table 1)
 * compare strategies by.
 */
final class LabelsToReach {
    private LabelsToReach() {}

    /**
     * The interpolated label count at which {@code accuracy} first reaches {@code target}, or NaN
     * when it never does. The first point already at the target gives its own label count.
     *
     * @param labels increasing label counts
     * @param accuracy the accuracy at each count
     */
    static double of(int[] labels, double[] accuracy, double target) {
        if (labels.length != accuracy.length || labels.length == 0) {
            throw new IllegalArgumentException("a curve needs one accuracy per label count; got " + labels.length
                    + " counts and " + accuracy.length + " accuracies");
        }
        for (int i = 0; i < labels.length; i++) {
            if (accuracy[i] >= target) {
                if (i == 0) {
                    return labels[0];
                }
                double rise = accuracy[i] - accuracy[i - 1];
                double share = (target - accuracy[i - 1]) / rise;
                return labels[i - 1] + share * (labels[i] - labels[i - 1]);
            }
        }
        return Double.NaN;
    }
}
