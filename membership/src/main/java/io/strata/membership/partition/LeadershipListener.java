package io.strata.membership.partition;

/**
 * Told what one node's role is in each partition, as a replica-running node needs it: leading,
 * following, or nothing. Registered with {@link PartitionStateStore#addLeadershipListener}.
 *
 * <p>Threading: called on a Hazelcast event thread. All callbacks of one partition come from one
 * state change stream, in the order the states were written (Hazelcast delivers the events of a key
 * on one event thread, in order); callbacks of different partitions may run concurrently on
 * different event threads. Implementations must return quickly and hand work to their own threads,
 * keeping the per-partition order (for example one serial queue per partition, or an epoch check
 * before acting).
 *
 * <p>For one change, the "stopped" callback comes before the "became" callback: a leader that is
 * demoted to follower gets {@link #stoppedLeading} then {@link #becameFollower}; a follower that is
 * elected gets {@link #stoppedFollowing} then {@link #becameLeader}. A topic deleted and re-created
 * under the same name (another topic id) counts as a new partition: the roles of the old one stop.
 */
public interface LeadershipListener {

    /** The node is leader of {@code partition} under {@code state.leaderEpoch()} (also on a new leader epoch). */
    void becameLeader(PartitionId partition, PartitionState state);

    /** The node is no longer leader; {@code current} is the new state, null when the partition was removed. */
    void stoppedLeading(PartitionId partition, PartitionState current);

    /**
     * The node is a replica but not the leader under a new leader epoch (or it just became a replica,
     * or was leader before). {@code state.leaderNodeId()} is the leader to fetch from, or
     * {@link PartitionState#NO_LEADER} when the partition is offline: then stop fetching and wait for
     * the next call. Fetches must carry {@code state.leaderEpoch()} so that a stale leader is fenced.
     */
    default void becameFollower(PartitionId partition, PartitionState state) {
    }

    /**
     * The node no longer follows the partition: it is not a replica any more, the partition was
     * removed ({@code current} null), or it became leader ({@link #becameLeader} follows).
     */
    default void stoppedFollowing(PartitionId partition, PartitionState current) {
    }

    /**
     * The ISR (or the replica set) of a partition the node leads changed under the same leader epoch,
     * for example because the controller removed a dead follower, or the leader's own
     * {@link PartitionStateStore#alterIsr} was applied. {@code state} carries the new partition epoch,
     * which the next {@code alterIsr} must name.
     */
    default void isrChanged(PartitionId partition, PartitionState state) {
    }
}
