package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BufferedFrameTest {
    @Test
    void roundTripsTheSourcePartitionAndOffsetForTheDlq() {
        var serde = BufferedFrame.serde();
        BufferedFrame frame = new BufferedFrame("car-1", 42L, 3, 1234L, new byte[] {1, 2, 3});
        BufferedFrame back = serde.deserializer().deserialize("s", serde.serializer().serialize("s", frame));
        assertThat(back.key()).isEqualTo("car-1");
        assertThat(back.timestamp()).isEqualTo(42L);
        assertThat(back.sourcePartition()).isEqualTo(3);
        assertThat(back.sourceOffset()).isEqualTo(1234L);
        assertThat(back.frame()).containsExactly(1, 2, 3);
    }

    @Test
    void framesBufferedByTheFormerLayoutAreStillRead() {
        byte[] key = "car-1".getBytes(StandardCharsets.UTF_8);
        byte[] formatOne = ByteBuffer.allocate(1 + 4 + key.length + 8 + 2)
                .put((byte) 1).putInt(key.length).put(key).putLong(42L).put(new byte[] {7, 8}).array();
        BufferedFrame back = BufferedFrame.serde().deserializer().deserialize("s", formatOne);
        assertThat(back.key()).isEqualTo("car-1");
        assertThat(back.timestamp()).isEqualTo(42L);
        assertThat(back.sourcePartition()).isEqualTo(-1);
        assertThat(back.sourceOffset()).isEqualTo(-1L);
        assertThat(back.frame()).containsExactly(7, 8);
    }
}
