package io.gleaner.uncertainty.acquisition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Choosing a batch of frames to label that covers the embedding space instead of piling up near
 * one confusing spot, as per-frame scores alone tend to. Both functions work on embedding vectors
 * with the Euclidean distance; for L2-normalised embeddings {@code ‖a − b‖² = 2·(1 − a·b)}, so
 * they rank exactly as by cosine distance.
 *
 * <p>Deterministic: every tie goes to the lowest index, so a test can name the picks.
 */
public final class BatchDiversity {
    /** Lloyd iterations {@link #typiClust} runs at most; it stops earlier once no point moves. */
    static final int MAX_KMEANS_ITERATIONS = 100;

    private BatchDiversity() {}

    /**
     * Core-set selection by k-center greedy: repeatedly pick the candidate farthest from
     * everything already labeled or picked, {@code u = argmax_i min_j ‖c_i − s_j‖}, which is a
     * 2-approximation of the k-center cover.
     *
     * <p>Source: O. Sener, S. Savarese, "Active Learning for Convolutional Neural Networks: A
     * Core-Set Approach", ICLR 2018, Algorithm 1. With no labeled set the first pick is the
     * candidate closest to the candidates' mean (the paper leaves the start free; the most
     * central point is a deterministic 1-center choice).
     *
     * @param candidates the unlabeled pool, one embedding per row
     * @param labeled embeddings already labeled (may be empty, not null), same dimension
     * @param budget how many to pick, in [1, candidates.length]
     * @return candidate indices in the order picked
     * @throws IllegalArgumentException if a vector is empty, not finite or of another dimension, or
     *     the budget is out of range
     */
    public static int[] kCenterGreedy(float[][] candidates, float[][] labeled, int budget) {
        ArgumentCheck.vectors("kCenterGreedy", "candidates", candidates);
        if (labeled == null) {
            throw new IllegalArgumentException("kCenterGreedy: labeled is null; pass an empty array when nothing is labeled yet");
        }
        for (int i = 0; i < labeled.length; i++) {
            ArgumentCheck.vector("kCenterGreedy", "labeled[" + i + "]", labeled[i], candidates[0].length);
        }
        checkBudget("kCenterGreedy", budget, candidates.length);

        double[] nearest = new double[candidates.length];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (float[] center : labeled) {
            shrink(nearest, candidates, center);
        }
        int[] picks = new int[budget];
        for (int pick = 0; pick < budget; pick++) {
            int chosen = labeled.length == 0 && pick == 0 ? closestToMean(candidates) : argMax(nearest);
            picks[pick] = chosen;
            shrink(nearest, candidates, candidates[chosen]);
            // Once everything is covered every distance is 0: never offer a picked one again.
            nearest[chosen] = Double.NEGATIVE_INFINITY;
        }
        return picks;
    }

    /**
     * Typicality of each point: the inverse of its mean Euclidean distance to its k nearest other
     * points, {@code t(x) = ( (1/k) Σ_{x_i ∈ kNN(x)} ‖x − x_i‖ )⁻¹}; dense regions are typical.
     * A point with k exact duplicates has mean distance 0 and typicality {@code +∞}.
     *
     * <p>Source: G. Hacohen, A. Dekel, D. Weinshall, "Active Learning on a Budget: Opposite
     * Strategies Suit High and Low Budgets", ICML 2022, eq. (4).
     *
     * @param points one embedding per row, at least 2
     * @param k neighbours per point, in [1, points.length − 1]
     * @throws IllegalArgumentException if a vector is empty, not finite or of another dimension, or
     *     {@code k} is out of range
     */
    public static double[] typicality(float[][] points, int k) {
        ArgumentCheck.vectors("typicality", "points", points);
        if (k < 1 || k > points.length - 1) {
            throw new IllegalArgumentException("typicality: k is " + k + " but there are " + points.length
                    + " points; k must be in [1, points - 1] since a point is not its own neighbour");
        }
        int[] all = new int[points.length];
        Arrays.setAll(all, i -> i);
        return typicalityWithin(points, all, k);
    }

    /**
     * TypiClust: cluster the pool into {@code budget} clusters and label the most typical point of
     * each, largest cluster first. Low-budget active learning wants typical, diverse examples, not
     * the outliers uncertainty sampling picks.
     *
     * <p>Source: Hacohen, Dekel &amp; Weinshall, ICML 2022, Algorithm 1 (TPC_RP), which clusters with
     * K-means and picks within clusters rather than greedily. Here K-means is Lloyd's algorithm
     * seeded with {@link #kCenterGreedy}'s picks, so the result is deterministic; typicality is
     * computed within each cluster with {@code min(k, size − 1)} neighbours (a one-point cluster
     * picks its point). Clusters left empty (possible only with duplicate points) give their slot
     * to the most typical point not yet picked, by typicality over the whole pool.
     *
     * @param points the unlabeled pool, one embedding per row
     * @param budget how many to pick, in [1, points.length]
     * @param k neighbours for typicality, at least 1 (the paper uses 20)
     * @return point indices, one per cluster, largest cluster first (ties: lower pick index)
     * @throws IllegalArgumentException if a vector is empty, not finite or of another dimension, or
     *     {@code budget} or {@code k} is out of range
     */
    public static int[] typiClust(float[][] points, int budget, int k) {
        ArgumentCheck.vectors("typiClust", "points", points);
        checkBudget("typiClust", budget, points.length);
        ArgumentCheck.atLeast("typiClust", "k", k, 1);

        int[] assignment = kMeans(points, budget);
        List<int[]> picked = new ArrayList<>(); // {cluster size, point index}
        boolean[] taken = new boolean[points.length];
        for (int cluster = 0; cluster < budget; cluster++) {
            int[] members = membersOf(assignment, cluster);
            if (members.length == 0) {
                continue;
            }
            int best = members[0];
            if (members.length > 1) {
                double[] typical = typicalityWithin(points, members, Math.min(k, members.length - 1));
                best = members[argMax(typical)];
            }
            taken[best] = true;
            picked.add(new int[] {members.length, best});
        }
        picked.sort(Comparator.<int[]>comparingInt(p -> -p[0]).thenComparingInt(p -> p[1]));
        int[] picks = new int[budget];
        int filled = 0;
        for (int[] p : picked) {
            picks[filled++] = p[1];
        }
        if (filled < budget) {
            double[] typical = typicality(points, Math.min(k, points.length - 1));
            while (filled < budget) {
                int best = -1;
                for (int i = 0; i < points.length; i++) {
                    if (!taken[i] && (best < 0 || typical[i] > typical[best])) {
                        best = i;
                    }
                }
                taken[best] = true;
                picks[filled++] = best;
            }
        }
        return picks;
    }

    /** Lloyd's K-means seeded with k-center greedy; returns each point's cluster. */
    private static int[] kMeans(float[][] points, int clusters) {
        int dimension = points[0].length;
        double[][] centers = new double[clusters][];
        int[] seeds = kCenterGreedy(points, new float[0][], clusters);
        for (int c = 0; c < clusters; c++) {
            centers[c] = toDouble(points[seeds[c]]);
        }
        int[] assignment = new int[points.length];
        Arrays.fill(assignment, -1);
        for (int iteration = 0; iteration < MAX_KMEANS_ITERATIONS; iteration++) {
            boolean moved = false;
            for (int i = 0; i < points.length; i++) {
                int best = 0;
                double bestDistance = Double.POSITIVE_INFINITY;
                for (int c = 0; c < clusters; c++) {
                    double d = squaredDistance(points[i], centers[c]);
                    if (d < bestDistance) {
                        bestDistance = d;
                        best = c;
                    }
                }
                moved |= assignment[i] != best;
                assignment[i] = best;
            }
            if (!moved) {
                break;
            }
            double[][] sums = new double[clusters][dimension];
            int[] counts = new int[clusters];
            for (int i = 0; i < points.length; i++) {
                counts[assignment[i]]++;
                for (int d = 0; d < dimension; d++) {
                    sums[assignment[i]][d] += points[i][d];
                }
            }
            for (int c = 0; c < clusters; c++) {
                if (counts[c] > 0) {
                    for (int d = 0; d < dimension; d++) {
                        centers[c][d] = sums[c][d] / counts[c];
                    }
                }
            }
        }
        return assignment;
    }

    private static double[] typicalityWithin(float[][] points, int[] members, int k) {
        double[] typical = new double[members.length];
        double[] distances = new double[members.length - 1];
        for (int a = 0; a < members.length; a++) {
            int n = 0;
            for (int b = 0; b < members.length; b++) {
                if (a != b) {
                    distances[n++] = Math.sqrt(squaredDistance(points[members[a]], points[members[b]]));
                }
            }
            Arrays.sort(distances);
            double sum = 0.0;
            for (int i = 0; i < k; i++) {
                sum += distances[i];
            }
            typical[a] = sum == 0.0 ? Double.POSITIVE_INFINITY : k / sum;
        }
        return typical;
    }

    private static int[] membersOf(int[] assignment, int cluster) {
        return IntStream.range(0, assignment.length).filter(i -> assignment[i] == cluster).toArray();
    }

    private static void shrink(double[] nearest, float[][] candidates, float[] center) {
        double[] c = toDouble(center);
        for (int i = 0; i < candidates.length; i++) {
            nearest[i] = Math.min(nearest[i], Math.sqrt(squaredDistance(candidates[i], c)));
        }
    }

    private static int closestToMean(float[][] candidates) {
        double[] mean = new double[candidates[0].length];
        for (float[] candidate : candidates) {
            for (int d = 0; d < mean.length; d++) {
                mean[d] += candidate[d];
            }
        }
        for (int d = 0; d < mean.length; d++) {
            mean[d] /= candidates.length;
        }
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int i = 0; i < candidates.length; i++) {
            double d = squaredDistance(candidates[i], mean);
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }

    /** Index of the largest value; the lowest index among equals. */
    private static int argMax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double squaredDistance(float[] a, double[] b) {
        double sum = 0.0;
        for (int d = 0; d < a.length; d++) {
            double diff = a[d] - b[d];
            sum += diff * diff;
        }
        return sum;
    }

    private static double squaredDistance(float[] a, float[] b) {
        double sum = 0.0;
        for (int d = 0; d < a.length; d++) {
            double diff = (double) a[d] - b[d];
            sum += diff * diff;
        }
        return sum;
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static void checkBudget(String function, int budget, int pool) {
        if (budget < 1 || budget > pool) {
            throw new IllegalArgumentException(function + ": budget is " + budget + " but the pool holds " + pool
                    + "; ask for between 1 and " + pool + " picks");
        }
    }
}
