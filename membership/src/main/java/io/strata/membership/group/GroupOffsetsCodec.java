package io.strata.membership.group;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.partition.PartitionId;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Formats of a group's offsets (one map value per group, so a multi-partition commit is one atomic
 * write), version 1, big-endian, strings as {@code i32 length | UTF-8} (length -1 for null):
 * <pre>
 * offsets:    u8 1 | i32 count | (str topic | i32 partition | i64 offset | i32 leaderEpoch
 *                                 | str metadata | i64 commitTimestamp) * count
 * partitions: u8 1 | i32 count | (str topic | i32 partition) * count     (argument of a delete)
 * </pre>
 * Public for reading a map value outside this package (tools, tests); encoding stays internal.
 */
public final class GroupOffsetsCodec {

    private static final int FORMAT_VERSION = 1;

    private GroupOffsetsCodec() {
    }

    static byte[] encode(Map<PartitionId, CommittedOffset> offsets) {
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeInt(offsets.size());
        offsets.forEach((tp, o) -> w.writeString(tp.topic()).writeInt(tp.partition()).writeLong(o.offset())
                .writeInt(o.leaderEpoch()).writeString(o.metadata()).writeLong(o.commitTimestamp()));
        return w.toByteArray();
    }

    public static Map<PartitionId, CommittedOffset> decode(byte[] bytes) {
        Map<PartitionId, CommittedOffset> offsets = new LinkedHashMap<>();
        if (bytes == null) {
            return offsets;
        }
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "group offsets");
        int n = r.readCount(32);
        for (int i = 0; i < n; i++) {
            PartitionId tp = new PartitionId(r.readString(), r.readInt());
            offsets.put(tp, new CommittedOffset(r.readLong(), r.readInt(), r.readString(), r.readLong()));
        }
        r.expectEnd();
        return offsets;
    }

    static byte[] encodePartitions(Collection<PartitionId> partitions) {
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeInt(partitions.size());
        partitions.forEach(tp -> w.writeString(tp.topic()).writeInt(tp.partition()));
        return w.toByteArray();
    }

    static List<PartitionId> decodePartitions(byte[] bytes) {
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "partition list");
        int n = r.readCount(8);
        List<PartitionId> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(new PartitionId(r.readString(), r.readInt()));
        }
        r.expectEnd();
        return list;
    }
}
