package io.strata.membership.hazelcast;

import io.strata.membership.partition.PartitionState;

import java.util.Comparator;

/**
 * Merge policy of {@link MetadataMaps#PARTITIONS}: the state with the higher
 * (leader epoch, partition epoch) wins. A stale leader or a larger, stale ISR from the other side of a
 * split is never put back, so a leader fenced during the split stays fenced.
 */
public final class PartitionStateMergePolicy extends HigherVersionMergePolicy {

    private static final Comparator<PartitionState> ORDER =
            Comparator.comparingInt(PartitionState::leaderEpoch).thenComparingInt(PartitionState::partitionEpoch);

    @Override
    protected int compareVersions(byte[] merging, byte[] existing) {
        return ORDER.compare(PartitionState.fromBytes(merging), PartitionState.fromBytes(existing));
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.PARTITION_STATE_MERGE;
    }
}
