package io.gleaner.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageHeadersTest {

    @Test
    void readsPngSizeFromIhdr() {
        assertThat(ImageHeaders.read(TestFrames.pngHeader(640, 480)))
                .isEqualTo(new ImageHeaders.Dimensions(ImageHeaders.Format.PNG, 640, 480));
    }

    @Test
    void readsHugePngSizeFromTheFirst24Bytes() {
        byte[] header = Arrays.copyOf(TestFrames.pngHeader(30_000, 30_000), 24);
        assertThat(ImageHeaders.read(header))
                .isEqualTo(new ImageHeaders.Dimensions(ImageHeaders.Format.PNG, 30_000, 30_000));
    }

    @Test
    void rejectsPngSidesAboveTheSpecMaximum() {
        assertThatThrownBy(() -> ImageHeaders.read(TestFrames.pngHeader(0x8000_0000L, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2147483648x1");
    }

    @Test
    void rejectsTruncatedPng() {
        assertThatThrownBy(() -> ImageHeaders.read(Arrays.copyOf(TestFrames.pngHeader(8, 8), 20)))
                .hasMessage("PNG is 20 bytes, too short for the IHDR chunk (24 bytes)");
    }

    @Test
    void readsBaselineAndProgressiveJpegSizeAfterOtherSegments() {
        assertThat(ImageHeaders.read(TestFrames.jpegHeader(0xC0, 320, 200)))
                .isEqualTo(new ImageHeaders.Dimensions(ImageHeaders.Format.JPEG, 320, 200));
        assertThat(ImageHeaders.read(TestFrames.jpegHeader(0xC2, 1920, 1080)))
                .isEqualTo(new ImageHeaders.Dimensions(ImageHeaders.Format.JPEG, 1920, 1080));
    }

    @Test
    void doesNotMistakeHuffmanTableForFrameHeader() {
        byte[] jpeg = TestFrames.jpegHeader(0xC4, 320, 200);
        assertThatThrownBy(() -> ImageHeaders.read(jpeg)).hasMessageContaining("ends before its SOF segment");
    }

    @Test
    void rejectsJpegThatStartsItsScanBeforeAnyFrameHeader() {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0x00, 0x08};
        assertThatThrownBy(() -> ImageHeaders.read(jpeg)).hasMessageContaining("scan data without a SOF segment");
    }

    @Test
    void sniffsSignatures() {
        assertThat(ImageHeaders.sniff(TestFrames.pngHeader(1, 1))).contains(ImageHeaders.Format.PNG);
        assertThat(ImageHeaders.sniff(TestFrames.jpegHeader(0xC0, 1, 1))).contains(ImageHeaders.Format.JPEG);
        assertThat(ImageHeaders.sniff(new byte[] {1, 2, 3})).isEmpty();
        assertThat(ImageHeaders.sniff(new byte[0])).isEmpty();
    }

    @Test
    void unknownSignatureNamesTheFirstBytes() {
        assertThatThrownBy(() -> ImageHeaders.read(new byte[] {0x47, 0x49, 0x46, 0x38}))
                .hasMessage("bytes start with neither the PNG nor the JPEG signature (first bytes: 47 49 46 38)");
    }
}
