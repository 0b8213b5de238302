package io.strata.membership.partition;

/**
 * Told when one node gains or loses leadership of a partition. Called on a Hazelcast event thread,
 * in order per partition; implementations must return quickly (hand work to their own threads).
 */
public interface LeadershipListener {

    /** The node is leader of {@code partition} under {@code state.leaderEpoch()} (also on a new epoch). */
    void becameLeader(PartitionId partition, PartitionState state);

    /** The node is no longer leader; {@code current} is the new state, null when the partition was removed. */
    void stoppedLeading(PartitionId partition, PartitionState current);
}
