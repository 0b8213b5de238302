package io.strata.membership.hazelcast;

import io.strata.membership.cluster.ReserveProducerIdBlock;

/**
 * Merge policy of {@link MetadataMaps#PRODUCER_IDS}: the higher first-unreserved producer id wins, so
 * blocks reserved on either side of a split are never handed out again.
 */
public final class ProducerIdBlockMergePolicy extends HigherVersionMergePolicy {

    @Override
    protected int compareVersions(byte[] merging, byte[] existing) {
        return Long.compare(ReserveProducerIdBlock.decode(merging), ReserveProducerIdBlock.decode(existing));
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.PRODUCER_ID_BLOCK_MERGE;
    }
}
