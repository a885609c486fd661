package io.gleaner.retrain.ssl;

/**
 * How spread out a set of embeddings is: the two numbers the collapse watch logs each epoch.
 * Pure arithmetic, no framework types.
 *
 * @param std the mean over dimensions of the standard deviation of the L2-normalised embeddings,
 *     times {@code sqrt(D)}: about 1 for embeddings spread over the sphere, 0 when every image maps
 *     to the same direction (SimSiam's collapse measure, scaled to not depend on {@code D})
 * @param effectiveRank {@code exp(H(p))} with {@code p_i = s_i / sum(s)} over the singular values
 *     {@code s} of the column-centred embedding matrix (Roy and Vetterli 2007): {@code D} for
 *     isotropic embeddings, 1 when they vary along one direction only, 0 when they do not vary
 * @param dimensions {@code D}
 */
public record EmbeddingStats(double std, double effectiveRank, int dimensions) {

    /** The statistics of {@code n} embeddings of {@code d} values, row after row. */
    public static EmbeddingStats of(float[] embeddings, int n, int d) {
        if (n < 2 || d < 1 || embeddings.length != n * d) {
            throw new IllegalArgumentException("need at least 2 embeddings of " + d + " values in " + embeddings.length
                    + " floats (n=" + n + ")");
        }
        return new EmbeddingStats(normalisedStd(embeddings, n, d), effectiveRank(embeddings, n, d), d);
    }

    static double normalisedStd(float[] e, int n, int d) {
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += (double) e[i * d + j] * e[i * d + j];
            }
            norm = norm > 0 ? Math.sqrt(norm) : 1;
            for (int j = 0; j < d; j++) {
                double v = e[i * d + j] / norm;
                sum[j] += v;
                sumSq[j] += v * v;
            }
        }
        double meanStd = 0;
        for (int j = 0; j < d; j++) {
            double mean = sum[j] / n;
            meanStd += Math.sqrt(Math.max(0, sumSq[j] / n - mean * mean));
        }
        return meanStd / d * Math.sqrt(d);
    }

    /** Effective rank of the column-centred {@code n×d} matrix; 0 when it is all zero. */
    public static double effectiveRank(float[] e, int n, int d) {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += e[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        // Singular values of X are the square roots of the eigenvalues of X^T X (d×d).
        double[][] gram = new double[d][d];
        double[] row = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                row[j] = e[i * d + j] - mean[j];
            }
            for (int a = 0; a < d; a++) {
                double ra = row[a];
                if (ra == 0) {
                    continue;
                }
                for (int b = a; b < d; b++) {
                    gram[a][b] += ra * row[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                gram[a][b] = gram[b][a];
            }
        }
        double[] eigen = symmetricEigenvalues(gram);
        double total = 0;
        double largest = 0;
        for (int i = 0; i < d; i++) {
            eigen[i] = Math.sqrt(Math.max(0, eigen[i]));
            total += eigen[i];
            largest = Math.max(largest, eigen[i]);
        }
        if (largest <= 1e-12) {
            return 0;
        }
        double entropy = 0;
        for (double s : eigen) {
            double p = s / total;
            if (p > 0) {
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }

    /** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (the matrix is overwritten). */
    static double[] symmetricEigenvalues(double[][] a) {
        int d = a.length;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diagonal = 0;
            for (int p = 0; p < d; p++) {
                diagonal += a[p][p] * a[p][p];
                for (int q = p + 1; q < d; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-22 * Math.max(diagonal, 1e-300)) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = a[p][q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = a[i][i];
        }
        return values;
    }
}
