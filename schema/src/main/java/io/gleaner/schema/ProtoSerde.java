package io.gleaner.schema;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for one protobuf message type. Deserialization failures throw {@link SerializationException}
 * naming the message type; topics that may hold anything (such as {@code frames.raw}) are read as
 * bytes instead, and parsed by hand where a bad record can be routed.
 */
public final class ProtoSerde {
    private ProtoSerde() {}

    public static <T extends MessageLite> Serde<T> of(Parser<T> parser, String messageName) {
        Serializer<T> serializer = (topic, message) -> message == null ? null : message.toByteArray();
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException(
                        "topic " + topic + ": " + bytes.length + " bytes are not a valid " + messageName, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
