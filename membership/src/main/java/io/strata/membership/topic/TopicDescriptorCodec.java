package io.strata.membership.topic;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.durable.CorruptMetadataException;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Format of a topic record, version 2, big-endian, strings as {@code i32 length | UTF-8}:
 * {@code u8 2 | str name | i64 topicId.msb | i64 topicId.lsb | i32 partitions | i32 replicationFactor |
 * i32 configCount | (str key | str value) * configCount |
 * i32 assignedCount | (i32 partition | i32 replicaCount | i32 replica * replicaCount) * assignedCount},
 * configs sorted by key, assigned partitions ascending; replication factor 0 means the cluster default,
 * assignedCount 0 a computed assignment. Version 1 is the same without the assignment; it is still read.
 */
public final class TopicDescriptorCodec {

    private static final int FORMAT_V1 = 1;
    private static final int FORMAT_VERSION = 2;

    private TopicDescriptorCodec() {
    }

    public static byte[] encode(TopicRecord record) {
        TopicDescriptor t = record.descriptor();
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeString(t.name()).writeUuid(t.topicId())
                .writeInt(t.partitions()).writeInt(record.replicationFactor());
        Map<String, String> sorted = new TreeMap<>(t.configs());
        w.writeInt(sorted.size());
        sorted.forEach((k, v) -> w.writeString(k).writeString(v));
        w.writeInt(record.replicaAssignment().size());
        new TreeMap<>(record.replicaAssignment()).forEach((p, replicas) -> {
            w.writeInt(p).writeInt(replicas.size());
            replicas.forEach(w::writeInt);
        });
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
        ByteReader r = new ByteReader(bytes);
        int version = r.readByte();
        if (version != FORMAT_V1 && version != FORMAT_VERSION) {
            throw new CorruptMetadataException("Unknown topic format version " + version + " (expected "
                    + FORMAT_V1 + " or " + FORMAT_VERSION + ")");
        }
        String name = r.readString();
        var id = r.readUuid();
        int partitions = r.readInt();
        int replicationFactor = r.readInt();
        int n = r.readCount(8);
        Map<String, String> configs = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            configs.put(r.readString(), r.readString());
        }
        Map<Integer, List<Integer>> assignment = new TreeMap<>();
        if (version >= FORMAT_VERSION) {
            int assigned = r.readCount(8);
            for (int i = 0; i < assigned; i++) {
                int partition = r.readInt();
                int m = r.readCount(4);
                Integer[] replicas = new Integer[m];
                for (int j = 0; j < m; j++) {
                    replicas[j] = r.readInt();
                }
                assignment.put(partition, List.of(replicas));
            }
        }
        r.expectEnd();
        try {
            return new TopicRecord(new TopicDescriptor(name, id, partitions, configs), replicationFactor, assignment);
        } catch (IllegalArgumentException e) {
            throw new CorruptMetadataException("Invalid topic record '" + name + "': " + e.getMessage());
        }
    }
}
