package io.strata.membership.group;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Reads a group's entry on its owner and makes the read wait for the synchronous backup, like a write.
 * Why: a commit is in the owner's map as soon as the owner has run it, before its backup has answered; a
 * plain read could return such a commit while its outcome is still open, and a commit refused after its
 * backup timed out (a split) vanishes when the split heals. Here the owner hands the value it read to the
 * backup processor, which sets it on the backup replica (a no-op unless the backup is behind); the read
 * returns once the backup acknowledged, or after the backup time-out, when
 * {@link io.strata.membership.cluster.WriteQuorum#confirmRead} refuses it on a member cut off from its peers.
 * The owner's entry is not changed, so nothing is written to the metadata store.
 *
 * <p>Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class ReadOffsetsProcessor implements EntryProcessor<String, byte[], byte[]>, IdentifiedDataSerializable {

    /** On the backup: the owner's value to hold; on the owner: the value read, for the backup processor. */
    private byte[] value;
    private boolean backup;

    public ReadOffsetsProcessor() {
    }

    private ReadOffsetsProcessor(byte[] value, boolean backup) {
        this.value = value;
        this.backup = backup;
    }

    static ReadOffsetsProcessor onOwner() {
        return new ReadOffsetsProcessor(null, false);
    }

    @Override
    public byte[] process(Map.Entry<String, byte[]> entry) {
        if (backup) {
            if (!Arrays.equals(entry.getValue(), value)) {
                entry.setValue(value);
            }
            return null;
        }
        value = entry.getValue();
        return value;
    }

    @Override
    public EntryProcessor<String, byte[], byte[]> getBackupProcessor() {
        return new ReadOffsetsProcessor(value, true);
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.READ_OFFSETS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeBoolean(backup);
        out.writeByteArray(value);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        backup = in.readBoolean();
        value = in.readByteArray();
    }
}
