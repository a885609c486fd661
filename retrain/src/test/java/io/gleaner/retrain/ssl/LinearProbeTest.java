package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    @Test
    void separatesLinearlySeparableClassesAndIgnoresAConstantFeature() {
        // Three classes at the corners of a triangle with small noise, plus a constant third feature.
        Random random = new Random(3);
        int n = 600;
        float[] x = new float[n * 3];
        int[] y = new int[n];
        float[][] centres = {{0, 0}, {4, 0}, {0, 4}};
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            x[i * 3] = centres[y[i]][0] + (float) random.nextGaussian() * 0.3f;
            x[i * 3 + 1] = centres[y[i]][1] + (float) random.nextGaussian() * 0.3f;
            x[i * 3 + 2] = 5f;
        }
        LinearProbe probe = LinearProbe.fit(x, n, 3, y, 3, new LinearProbe.Settings(20, 32, 0.05, 0, 1));
        assertThat(probe.accuracy(x, n, y)).isEqualTo(1.0);
        assertThat(probe.predict(new float[] {4, 0, 5, 0, 4, 5}, 2)).containsExactly(1, 2);
    }

    @Test
    void randomLabelsOnNoiseStayNearChanceOnFreshData() {
        Random random = new Random(4);
        int n = 2000;
        float[] x = new float[n * 5];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(4);
            for (int j = 0; j < 5; j++) {
                x[i * 5 + j] = (float) random.nextGaussian();
            }
        }
        LinearProbe probe = LinearProbe.fit(java.util.Arrays.copyOf(x, n / 2 * 5), n / 2, 5, java.util.Arrays.copyOf(y, n / 2), 4,
                LinearProbe.Settings.defaults());
        float[] fresh = java.util.Arrays.copyOfRange(x, n / 2 * 5, n * 5);
        int[] freshLabels = java.util.Arrays.copyOfRange(y, n / 2, n);
        assertThat(probe.accuracy(fresh, n / 2, freshLabels)).isBetween(0.18, 0.32);
    }

    @Test
    void refusesMismatchedSizes() {
        assertThatThrownBy(() -> LinearProbe.fit(new float[5], 2, 3, new int[2], 2, LinearProbe.Settings.defaults()))
                .hasMessageContaining("2 rows of 3 features need 6 floats");
    }
}
