package io.gleaner.scorer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A frame waiting in the scorer's batch buffer, with the record key and timestamp it arrived with
 * so the scored frame leaves under the same key and time, and the partition and offset it was read
 * from so a frame that cannot be scored reaches {@code frames.dlq} with its origin.
 *
 * @param key the record key (vehicle id), may be null
 * @param timestamp the record timestamp
 * @param sourcePartition partition of {@code frames.valid} it was read from, -1 when unknown
 * @param sourceOffset offset it was read at, -1 when unknown
 * @param frame the {@code FrameEvent} bytes
 */
record BufferedFrame(String key, long timestamp, int sourcePartition, long sourceOffset, byte[] frame) {
    // Format 1 (no partition and offset) is still read: a buffer written before an upgrade is scored.
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT = 2;

    /**
     * Layout: format byte, key length (-1 for null), key UTF-8, timestamp, then (format 2 only)
     * source partition and offset, then the frame bytes to the end.
     */
    static Serde<BufferedFrame> serde() {
        Serializer<BufferedFrame> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            byte[] key = value.key() == null ? null : value.key().getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(1 + 4 + (key == null ? 0 : key.length) + 8 + 4 + 8
                    + value.frame().length);
            out.put(FORMAT).putInt(key == null ? -1 : key.length);
            if (key != null) {
                out.put(key);
            }
            return out.putLong(value.timestamp()).putInt(value.sourcePartition()).putLong(value.sourceOffset())
                    .put(value.frame()).array();
        };
        Deserializer<BufferedFrame> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                ByteBuffer in = ByteBuffer.wrap(bytes);
                byte format = in.get();
                if (format != FORMAT && format != FORMAT_1) {
                    throw new SerializationException("store " + topic + ": buffered frame has format " + format
                            + ", this scorer reads formats " + FORMAT_1 + " and " + FORMAT
                            + "; was it written by a newer version?");
                }
                int keyLength = in.getInt();
                String key = null;
                if (keyLength >= 0) {
                    byte[] keyBytes = new byte[keyLength];
                    in.get(keyBytes);
                    key = new String(keyBytes, StandardCharsets.UTF_8);
                }
                long timestamp = in.getLong();
                int partition = format == FORMAT_1 ? -1 : in.getInt();
                long offset = format == FORMAT_1 ? -1 : in.getLong();
                byte[] frame = new byte[in.remaining()];
                in.get(frame);
                return new BufferedFrame(key, timestamp, partition, offset, frame);
            } catch (RuntimeException e) {
                if (e instanceof SerializationException s) {
                    throw s;
                }
                throw new SerializationException("store " + topic + ": " + bytes.length
                        + " bytes are not a buffered frame", e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
