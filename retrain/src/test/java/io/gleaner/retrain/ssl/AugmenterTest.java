package io.gleaner.retrain.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmenterTest {
    private static final float[] MEAN1 = {0.5f};
    private static final float[] STD1 = {0.25f};

    /** Two 8×8 gray images: a left-to-right ramp, and its mirror. */
    private static ImageSet ramps() {
        byte[] pixels = new byte[2 * 64];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                pixels[y * 8 + x] = (byte) (x * 32);
                pixels[64 + y * 8 + x] = (byte) ((7 - x) * 32);
            }
        }
        return new ImageSet("ramps", 2, 1, 8, pixels);
    }

    @Test
    void noAugmentationIsTheNormalisedImage() {
        ImageSet images = ramps();
        float[] out = new float[64];
        new Augmenter(AugmentationConfig.none(), 1, 8, MEAN1, STD1).view(images, 0, new Random(3), out, 0);
        float[] expected = new float[64];
        images.normalised(0, MEAN1, STD1, expected, 0);
        for (int i = 0; i < 64; i++) {
            assertThat(out[i]).isCloseTo(expected[i], within(1e-5f));
        }
        // (224/255 - 0.5) / 0.25 for the last column.
        assertThat(out[7]).isCloseTo((224f / 255 - 0.5f) / 0.25f, within(1e-5f));
    }

    @Test
    void flipOnlyMirrorsTheImage() {
        AugmentationConfig flipAlways = new AugmentationConfig(1, 1, 1, 1, 1.0, 0, 0, 0, 0, 0, 0, 0.1, 0.1);
        float[] flipped = new float[64];
        new Augmenter(flipAlways, 1, 8, MEAN1, STD1).view(ramps(), 0, new Random(5), flipped, 0);
        float[] mirror = new float[64];
        ramps().normalised(1, MEAN1, STD1, mirror, 0);
        assertThat(flipped).containsExactly(mirror, within(1e-5f));
    }

    @Test
    void viewsStayInTheNormalisedPixelRangeAndFillTheirSlotOnly() {
        int size = 28;
        Random pixelsRandom = new Random(11);
        byte[] pixels = new byte[3 * size * size * 4];
        pixelsRandom.nextBytes(pixels);
        ImageSet images = new ImageSet("noise", 4, 3, size, pixels);
        float[] mean = {0.4f, 0.5f, 0.6f};
        float[] std = {0.2f, 0.3f, 0.25f};
        Augmenter augmenter = new Augmenter(AugmentationConfig.defaults(), 3, size, mean, std);
        int length = 3 * size * size;
        float[] out = new float[length + 2];
        out[0] = Float.NaN;
        out[length + 1] = Float.NaN;
        Random random = new Random(7);
        for (int n = 0; n < 200; n++) {
            augmenter.view(images, n % 4, random, out, 1);
            for (int c = 0; c < 3; c++) {
                float low = (0 - mean[c]) / std[c] - 1e-4f;
                float high = (1 - mean[c]) / std[c] + 1e-4f;
                for (int p = 0; p < size * size; p++) {
                    assertThat(out[1 + c * size * size + p]).isBetween(low, high);
                }
            }
        }
        assertThat(out[0]).isNaN();
        assertThat(out[length + 1]).isNaN();
    }

    @Test
    void sameRandomStateGivesTheSameViewAndAnotherGivesAnother() {
        Augmenter augmenter = new Augmenter(AugmentationConfig.defaults(), 1, 8, MEAN1, STD1);
        float[] a = new float[64];
        float[] b = new float[64];
        float[] c = new float[64];
        augmenter.view(ramps(), 0, new Random(42), a, 0);
        augmenter.view(ramps(), 0, new Random(42), b, 0);
        augmenter.view(ramps(), 0, new Random(43), c, 0);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void grayscaleMakesTheChannelsEqual() {
        AugmentationConfig grayAlways = new AugmentationConfig(1, 1, 1, 1, 0, 0, 0, 0, 0, 1.0, 0, 0.1, 0.1);
        byte[] pixels = new byte[3 * 8 * 8];
        new Random(2).nextBytes(pixels);
        float[] zero = {0, 0, 0};
        float[] one = {1, 1, 1};
        float[] out = new float[3 * 64];
        new Augmenter(grayAlways, 3, 8, zero, one).view(new ImageSet("rgb", 1, 3, 8, pixels), 0, new Random(1), out, 0);
        for (int p = 0; p < 64; p++) {
            assertThat(out[64 + p]).isEqualTo(out[p]);
            assertThat(out[128 + p]).isEqualTo(out[p]);
        }
    }

    @Test
    void blurKeepsTheMeanOfAFlatImageAndSmoothsAnEdge() {
        AugmentationConfig blurAlways = new AugmentationConfig(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1.0, 1.0, 1.0);
        byte[] pixels = new byte[64];
        for (int y = 0; y < 8; y++) {
            for (int x = 4; x < 8; x++) {
                pixels[y * 8 + x] = (byte) 255;
            }
        }
        float[] out = new float[64];
        new Augmenter(blurAlways, 1, 8, new float[] {0}, new float[] {1}).view(
                new ImageSet("edge", 1, 1, 8, pixels), 0, new Random(1), out, 0);
        // Far from the edge the image is flat and stays 0 or 1; at the edge it is smoothed strictly inside.
        assertThat(out[0]).isCloseTo(0f, within(1e-3f));
        assertThat(out[7]).isCloseTo(1f, within(1e-3f));
        assertThat(out[3]).isBetween(0.05f, 0.5f);
        assertThat(out[4]).isBetween(0.5f, 0.95f);
    }

    @Test
    void configRejectsAnInvertedCropRange() {
        assertThatThrownBy(() -> new AugmentationConfig(0.9, 0.5, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.1))
                .hasMessageContaining("crop scale 0.9..0.5");
    }

    @Test
    void withChangesTheNamedComponentsAndKeepsTheRest() {
        AugmentationConfig defaults = AugmentationConfig.defaults();
        AugmentationConfig changed = defaults.with(Map.of("blur", 0.0, "crop-scale-min", 0.5));
        assertThat(changed.blurProbability()).isEqualTo(0);
        assertThat(changed.cropScaleMin()).isEqualTo(0.5);
        assertThat(changed.with(Map.of("blur", defaults.blurProbability(), "crop-scale-min", defaults.cropScaleMin())))
                .isEqualTo(defaults);
        for (String name : AugmentationConfig.NAMES) {
            assertThat(defaults.with(Map.of(name, 0.9))).as(name).isNotEqualTo(defaults);
        }
    }

    @Test
    void withChecksTheChangesTogetherSoARangeNarrowsFromEitherEndInAnyOrder() {
        // Alone, a largest crop of 0.2 is below the default smallest (0.25) and is refused.
        assertThatThrownBy(() -> AugmentationConfig.defaults().with(Map.of("crop-scale-max", 0.2)))
                .hasMessageContaining("crop scale 0.25..0.2");
        Map<String, Double> both = new LinkedHashMap<>();
        both.put("crop-scale-max", 0.2);
        both.put("crop-scale-min", 0.1);
        AugmentationConfig narrowed = AugmentationConfig.defaults().with(both);
        assertThat(narrowed.cropScaleMin()).isEqualTo(0.1);
        assertThat(narrowed.cropScaleMax()).isEqualTo(0.2);
    }

    @Test
    void withRejectsAnUnknownNameAndAValueOutOfRange() {
        assertThatThrownBy(() -> AugmentationConfig.defaults().with(Map.of("hue", 0.1)))
                .hasMessageContaining("unknown augmentation 'hue'").hasMessageContaining("blur-sigma-max");
        assertThatThrownBy(() -> AugmentationConfig.defaults().with(Map.of("flip", 1.5)))
                .hasMessageContaining("flip 1.5");
    }
}
