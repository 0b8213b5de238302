/**
 * Partition leadership and ISR replication metadata: per-partition
 * {@link io.strata.membership.partition.PartitionState} (leader, leader epoch, partition epoch, replicas,
 * ISR) changed only by compare-and-set on both epochs or by a leader's fenced
 * {@link io.strata.membership.partition.PartitionStateStore#alterIsr}; the controller-side
 * {@link io.strata.membership.partition.PartitionAssigner} (assignment, ISR-only elections, offline
 * partitions, optional unclean election, administrative elections); and the per-node role callbacks of
 * {@link io.strata.membership.partition.LeadershipListener}.
 */
package io.strata.membership.partition;
