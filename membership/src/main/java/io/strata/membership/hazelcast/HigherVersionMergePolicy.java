package io.strata.membership.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.strata.membership.durable.CorruptMetadataException;

/**
 * Split-brain merge of a metadata map whose values carry a version that only grows (an epoch, a
 * counter): when the sides of a split merge, the entry with the higher version wins, so a stale
 * value from the other side can never be put back. On a tie the existing value (of the cluster being
 * merged into) stays; an entry present on one side only is kept. A value that cannot be decoded
 * loses to one that can.
 *
 * <p>Stateless and thread-safe. Hazelcast instantiates it by class name (public no-argument
 * constructor) and ships it to partition owners through {@link MetadataSerialization}.
 */
public abstract class HigherVersionMergePolicy
        implements SplitBrainMergePolicy<byte[], MergingValue<byte[]>, Object>, IdentifiedDataSerializable {

    /** Negative, zero or positive as {@code merging}'s version is lower, equal or higher than {@code existing}'s. */
    protected abstract int compareVersions(byte[] merging, byte[] existing);

    @Override
    public Object merge(MergingValue<byte[]> merging, MergingValue<byte[]> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        return mergingWins(merging.getDeserializedValue(), existing.getDeserializedValue())
                ? merging.getRawValue() : existing.getRawValue();
    }

    /** The merge decision on the stored bytes. */
    public boolean mergingWins(byte[] merging, byte[] existing) {
        if (existing == null) {
            return merging != null;
        }
        if (merging == null) {
            return false;
        }
        try {
            compareVersions(existing, existing);
        } catch (CorruptMetadataException | IllegalArgumentException e) {
            return true; // an unreadable existing value loses to anything
        }
        try {
            return compareVersions(merging, existing) > 0;
        } catch (CorruptMetadataException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // stateless
    }

    @Override
    public void readData(ObjectDataInput in) {
        // stateless
    }
}
