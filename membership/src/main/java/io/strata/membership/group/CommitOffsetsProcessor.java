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
 * Merges committed offsets into a group's entry on its owner (written through before the answer).
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class CommitOffsetsProcessor implements EntryProcessor<String, byte[], Void>, IdentifiedDataSerializable {

    private byte[] offsets;

    public CommitOffsetsProcessor() {
    }

    CommitOffsetsProcessor(byte[] offsets) {
        this.offsets = offsets;
    }

    @Override
    public Void process(Map.Entry<String, byte[]> entry) {
        Map<PartitionId, CommittedOffset> merged = GroupOffsetsCodec.decode(entry.getValue());
        merged.putAll(GroupOffsetsCodec.decode(offsets));
        entry.setValue(GroupOffsetsCodec.encode(merged));
        return null;
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.COMMIT_OFFSETS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(offsets);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        offsets = in.readByteArray();
    }
}
