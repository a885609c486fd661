package io.gleaner.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.v1.DriverAction;
import io.gleaner.schema.v1.FrameEvent;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void topicNamesAreUnique() {
        Set<String> names = new HashSet<>();
        for (Topic<?, ?> topic : Topics.all()) {
            assertThat(names.add(topic.name())).as("duplicate topic %s", topic).isTrue();
        }
    }

    @Test
    void frameEventRoundTripsThroughItsSerde() {
        FrameEvent frame = FrameEvent.newBuilder()
                .setFrameId("f-1")
                .setVehicleId("v-7")
                .setHumanAction(DriverAction.newBuilder().setSteering(-0.25f).setAcceleration(0.5f))
                .build();
        var serde = Topics.FRAMES_VALID.valueSerde();
        byte[] bytes = serde.serializer().serialize("frames.valid", frame);
        assertThat(serde.deserializer().deserialize("frames.valid", bytes)).isEqualTo(frame);
    }

    @Test
    void garbageBytesFailWithTheMessageName() {
        var deserializer = Topics.FRAMES_VALID.valueSerde().deserializer();
        assertThatThrownBy(() -> deserializer.deserialize("frames.valid", new byte[] {(byte) 0xff, 0x01, 0x02}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("FrameEvent");
    }
}
