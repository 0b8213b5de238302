package io.strata.membership.hazelcast;

import io.strata.membership.cluster.ControllerState;

/**
 * Merge policy of {@link MetadataMaps#CONTROLLER}: the record with the higher controller epoch wins,
 * so the controller epoch never goes backwards after a split heals.
 */
public final class ControllerStateMergePolicy extends HigherVersionMergePolicy {

    @Override
    protected int compareVersions(byte[] merging, byte[] existing) {
        return Integer.compare(ControllerState.fromBytes(merging).epoch(), ControllerState.fromBytes(existing).epoch());
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.CONTROLLER_STATE_MERGE;
    }
}
