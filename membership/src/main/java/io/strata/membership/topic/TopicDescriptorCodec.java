package io.strata.membership.topic;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;

import java.util.Map;
import java.util.TreeMap;

/**
 * Format of a topic record, version 1, big-endian, strings as {@code i32 length | UTF-8}:
 * {@code u8 1 | str name | i64 topicId.msb | i64 topicId.lsb | i32 partitions | i32 replicationFactor |
 * i32 configCount | (str key | str value) * configCount}, configs sorted by key; replication factor 0
 * means the cluster default.
 */
public final class TopicDescriptorCodec {

    private static final int FORMAT_VERSION = 1;

    private TopicDescriptorCodec() {
    }

    public static byte[] encode(TopicRecord record) {
        TopicDescriptor t = record.descriptor();
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeString(t.name()).writeUuid(t.topicId())
                .writeInt(t.partitions()).writeInt(record.replicationFactor());
        Map<String, String> sorted = new TreeMap<>(t.configs());
        w.writeInt(sorted.size());
        sorted.forEach((k, v) -> w.writeString(k).writeString(v));
        return w.toByteArray();
    }

    /** The descriptor of an encoded record; null for null. */
    public static TopicDescriptor decode(byte[] bytes) {
        TopicRecord r = decodeRecord(bytes);
        return r == null ? null : r.descriptor();
    }

    public static TopicRecord decodeRecord(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "topic");
        String name = r.readString();
        var id = r.readUuid();
        int partitions = r.readInt();
        int replicationFactor = r.readInt();
        int n = r.readCount(8);
        Map<String, String> configs = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            configs.put(r.readString(), r.readString());
        }
        r.expectEnd();
        return new TopicRecord(new TopicDescriptor(name, id, partitions, configs), replicationFactor);
    }
}
