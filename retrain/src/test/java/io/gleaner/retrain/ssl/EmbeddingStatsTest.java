package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Effective rank and normalised std of matrices whose values are known. */
class EmbeddingStatsTest {

    @Test
    void equalSingularValuesGiveFullRank() {
        // Rows ±e_j: centred, X^T X = 2I, all four singular values equal, p = 1/4 each, exp(H) = 4.
        float[] e = new float[8 * 4];
        for (int j = 0; j < 4; j++) {
            e[(2 * j) * 4 + j] = 1;
            e[(2 * j + 1) * 4 + j] = -1;
        }
        assertThat(EmbeddingStats.effectiveRank(e, 8, 4)).isCloseTo(4.0, within(1e-9));
    }

    @Test
    void oneDirectionGivesRankOne() {
        // Every row a multiple of (1, 2, 3): one non-zero singular value.
        float[] e = new float[5 * 3];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                e[i * 3 + j] = (i - 2) * (j + 1);
            }
        }
        // The zero singular values come out of the eigen-solver as ~1e-7 relative, not exactly 0.
        assertThat(EmbeddingStats.effectiveRank(e, 5, 3)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void singularValuesThreeAndOne() {
        // Rows (±3/√2·√... ) chosen so the centred matrix has singular values 3 and 1:
        // X = [[a,0],[-a,0],[0,b],[0,-b]] has singular values a√2 and b√2.
        float a = (float) (3 / Math.sqrt(2));
        float b = (float) (1 / Math.sqrt(2));
        float[] e = {a, 0, -a, 0, 0, b, 0, -b};
        // p = (0.75, 0.25): H = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.562335, exp(H) = 1.754765.
        assertThat(EmbeddingStats.effectiveRank(e, 4, 2)).isCloseTo(1.754765, within(1e-5));
    }

    @Test
    void constantEmbeddingsHaveRankZeroAndNoSpread() {
        float[] e = new float[10 * 6];
        Arrays.fill(e, 0.7f);
        EmbeddingStats stats = EmbeddingStats.of(e, 10, 6);
        assertThat(stats.effectiveRank()).isZero();
        assertThat(stats.std()).isCloseTo(0.0, within(1e-6));
    }

    @Test
    void eigenvaluesOfAKnownSymmetricMatrix() {
        // [[2,1],[1,2]] has eigenvalues 1 and 3.
        double[] values = EmbeddingStats.symmetricEigenvalues(new double[][] {{2, 1}, {1, 2}});
        Arrays.sort(values);
        assertThat(values[0]).isCloseTo(1.0, within(1e-12));
        assertThat(values[1]).isCloseTo(3.0, within(1e-12));
    }

    @Test
    void gaussianEmbeddingsAreSpreadAndNearFullRank() {
        Random random = new Random(1);
        int n = 4000;
        int d = 16;
        float[] e = new float[n * d];
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) random.nextGaussian();
        }
        EmbeddingStats stats = EmbeddingStats.of(e, n, d);
        // Isotropic: singular values nearly equal, so close to (but below) d.
        assertThat(stats.effectiveRank()).isBetween(15.5, 16.0);
        // Coordinates of a uniform point on the sphere have std 1/sqrt(d): scaled by sqrt(d), about 1.
        assertThat(stats.std()).isCloseTo(1.0, within(0.05));
    }
}
