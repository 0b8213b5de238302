package io.strata.membership.partition;

/**
 * Outcome of starting, changing or cancelling a partition reassignment
 * ({@link PartitionAssigner#alterReassignment}); the statuses mirror Kafka's
 * AlterPartitionReassignments error codes.
 *
 * @param partition the partition
 * @param status    what happened
 * @param state     the partition state after the call, null when the partition has none
 * @param message   why, for the operator
 */
public record ReassignmentResult(PartitionId partition, Status status, PartitionState state, String message) {

    public enum Status {
        /** The reassignment was started, changed or cancelled (or there was nothing to move). */
        ACCEPTED,
        /** The partition has no state (Kafka UNKNOWN_TOPIC_OR_PARTITION). */
        UNKNOWN_TOPIC_OR_PARTITION,
        /** A cancel of a partition that is not being moved (Kafka NO_REASSIGNMENT_IN_PROGRESS). */
        NO_REASSIGNMENT_IN_PROGRESS,
        /** The target replicas are empty, repeat a node or name a node that is not live (Kafka INVALID_REPLICA_ASSIGNMENT). */
        INVALID_REPLICA_ASSIGNMENT,
        /** The move cannot be applied now, e.g. no in-sync replica would remain (Kafka REASSIGNMENT_IN_PROGRESS). */
        REJECTED
    }

    public boolean accepted() {
        return status == Status.ACCEPTED;
    }
}
