package io.strata.membership.group;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;
import io.strata.membership.partition.PartitionId;

import java.io.IOException;
import java.util.Map;

/**
 * Removes some partitions' offsets from a group's entry; removes the entry when none remain.
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class DeleteOffsetsProcessor implements EntryProcessor<String, byte[], Void>, IdentifiedDataSerializable {

    private byte[] partitions;

    public DeleteOffsetsProcessor() {
    }

    DeleteOffsetsProcessor(byte[] partitions) {
        this.partitions = partitions;
    }

    @Override
    public Void process(Map.Entry<String, byte[]> entry) {
        if (entry.getValue() == null) {
            return null;
        }
        Map<PartitionId, CommittedOffset> offsets = GroupOffsetsCodec.decode(entry.getValue());
        boolean changed = false;
        for (PartitionId tp : GroupOffsetsCodec.decodePartitions(partitions)) {
            changed |= offsets.remove(tp) != null;
        }
        if (changed) {
            entry.setValue(offsets.isEmpty() ? null : GroupOffsetsCodec.encode(offsets));
        }
        return null;
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.DELETE_OFFSETS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(partitions);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        partitions = in.readByteArray();
    }
}
