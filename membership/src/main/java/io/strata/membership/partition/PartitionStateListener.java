package io.strata.membership.partition;

/**
 * Told about every change of a partition state anywhere in the cluster. Called on a Hazelcast event
 * thread, in order per partition; implementations must return quickly.
 */
@FunctionalInterface
public interface PartitionStateListener {

    /**
     * @param previous the state before, null when the partition state was created
     * @param current  the state now, null when it was removed
     */
    void partitionChanged(PartitionId partition, PartitionState previous, PartitionState current);
}
