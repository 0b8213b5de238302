/**
 * Partition leadership: per-partition {@link io.strata.membership.partition.PartitionState} (leader,
 * leader epoch, replicas) changed only by compare-and-set on the expected epoch, the controller-side
 * {@link io.strata.membership.partition.PartitionAssigner}, and leadership listeners.
 */
package io.strata.membership.partition;
